//! The `mock-stytch` binary in a process of its own, for the tests that need one (flags read at
//! start, signals, restarts): started on a free port, its base URL read from the banner line,
//! killed when dropped so a failed assertion never leaks it. Both pipes are drained in the
//! background: the mock logs every request to stderr, and a full pipe would stall it.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;

pub struct MockProcess {
    child: Child,
    pub base_url: String,
}

impl MockProcess {
    /// Start the binary with `--listen 127.0.0.1:0` and `args`: `Err(stderr)` if it exits
    /// without serving.
    pub fn start(args: &[&str]) -> Result<MockProcess, String> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mock-stytch"))
            .args(["--listen", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("binary starts");
        let stderr = drain(child.stderr.take().unwrap());
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        out.read_line(&mut first).unwrap();
        if first.is_empty() {
            let status = child.wait().unwrap();
            assert!(!status.success(), "exited 0 without serving");
            return Err(stderr.join().unwrap());
        }
        // keep draining stdout so the child never writes into a closed pipe
        std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
        let base_url = first.trim().rsplit(' ').next().unwrap().to_owned();
        assert!(base_url.starts_with("http://127.0.0.1:"), "banner: {first}");
        Ok(MockProcess { child, base_url })
    }

    /// [`MockProcess::start`] that must succeed.
    pub fn serving(args: &[&str]) -> MockProcess {
        MockProcess::start(args).unwrap_or_else(|stderr| panic!("did not start: {stderr}"))
    }

    /// Send `sig` (`-TERM`, `-KILL`) with `kill(1)`.
    pub fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {sig}");
    }

    pub fn wait(&mut self) -> ExitStatus {
        self.child.wait().unwrap()
    }

    /// SIGTERM, then wait for the exit.
    pub fn stop(mut self) -> ExitStatus {
        self.signal("-TERM");
        self.wait()
    }
}

impl Drop for MockProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}
