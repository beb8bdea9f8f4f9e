//! The mock as a separate process (the release `mock-stytch` binary): cold start to the first 200,
//! resident memory, and a server for the scale figures whose RSS we can read.
//!
//! Every child listens on 127.0.0.1:0 and is killed when its [`Child`] is dropped
//! (`kill_on_drop`), so an early return or a panic never leaves a mock running.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The workspace root (two levels above this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from("."))
}

/// Build the release binary (a no-op when it is up to date) and return its path.
pub fn build_mock_binary() -> anyhow::Result<PathBuf> {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = std::process::Command::new(cargo)
        .current_dir(&root)
        .args([
            "build",
            "--release",
            "--quiet",
            "-p",
            "mock-stytch",
            "--bin",
            "mock-stytch",
        ])
        .status()
        .context("run cargo build for the mock-stytch binary")?;
    if !status.success() {
        bail!("cargo build --release -p mock-stytch failed");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    Ok(target.join("release/mock-stytch"))
}

/// A running mock binary.
pub struct MockProcess {
    pub child: Child,
    pub addr: SocketAddr,
    /// From spawn to the "listening" line on stdout.
    pub ready_after: Duration,
}

impl MockProcess {
    /// Start `bin` on `db` with `seed`, and wait for its banner.
    pub async fn start(bin: &Path, db: &Path, seed: u64) -> anyhow::Result<MockProcess> {
        let t0 = Instant::now();
        let mut child = Command::new(bin)
            .args([
                "--listen",
                "127.0.0.1:0",
                "--seed",
                &seed.to_string(),
                "--db",
            ])
            .arg(db)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("spawn {}", bin.display()))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .context("mock-stytch printed nothing for 60 s")??
            .context("mock-stytch exited before printing its address")?;
        let ready_after = t0.elapsed();
        let addr = first
            .strip_prefix("mock-stytch listening on http://")
            .with_context(|| format!("unexpected first line: {first}"))?
            .trim()
            .parse()?;
        // Keep draining the banner so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(MockProcess {
            child,
            addr,
            ready_after,
        })
    }

    pub fn pid(&self) -> anyhow::Result<u32> {
        self.child.id().context("mock-stytch already exited")
    }

    /// Resident set size in KiB, from /proc.
    pub fn rss_kib(&self) -> anyhow::Result<u64> {
        rss_kib(self.pid()?)
    }

    /// SIGTERM (graceful: the database is closed) and wait, at most 10 s.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
        match tokio::time::timeout(Duration::from_secs(10), self.child.wait()).await {
            Ok(r) => r.map(|_| ()).map_err(Into::into),
            Err(_) => {
                self.child.kill().await?;
                bail!("mock-stytch did not stop within 10 s of SIGTERM")
            }
        }
    }
}

/// VmRSS of a process, in KiB.
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    parse_vm_rss(&status).context("no VmRSS line in /proc/PID/status")
}

fn parse_vm_rss(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse().ok())
}

#[cfg(test)]
mod tests {
    #[test]
    fn vm_rss_is_read_from_proc_status() {
        let status =
            "Name:\tmock-stytch\nVmPeak:\t  123 kB\nVmRSS:\t   24576 kB\nRssAnon:\t 1 kB\n";
        assert_eq!(super::parse_vm_rss(status), Some(24576));
        assert_eq!(super::parse_vm_rss("Name:\tx\n"), None);
        assert!(super::rss_kib(std::process::id()).unwrap() > 0);
    }
}
