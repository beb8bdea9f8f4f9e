//! Installs the pinned official SDKs into `target/` on first use.
//!
//! * Python: `target/sdk-venv`, a venv with `tests/sdk/python/requirements.txt` (every
//!   package pinned with `==`, `stytch==15.3.0` among them).
//! * Node: `target/sdk-node`, `npm ci` from copies of the committed
//!   `tests/sdk/node/package.json` and `package-lock.json` (`stytch@14.2.0`).
//!
//! An install is skipped when its marker file holds exactly the pin file it was made from, so
//! editing a pin reinstalls. Concurrent test threads (and concurrent `cargo test` processes
//! sharing a target dir) serialise on an OS file lock. A failed install FAILS the test with
//! the installer's output: nothing here skips.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The crate's directory (`tests/`).
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The workspace's target directory: `$CARGO_TARGET_DIR`, else `<workspace>/target`.
pub fn target_dir() -> PathBuf {
    let workspace = crate_dir().join("..");
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace.join(dir)
            }
        }
        _ => workspace.join("target"),
    }
}

/// `tests/sdk/`: the SDK scripts and their pin files.
pub fn sdk_dir() -> PathBuf {
    crate_dir().join("sdk")
}

/// Holds `target/sdk-install.lock` exclusively while alive.
struct InstallLock(fs::File);

impl InstallLock {
    fn acquire(target: &Path) -> Result<InstallLock, String> {
        fs::create_dir_all(target)
            .map_err(|e| format!("cannot create {}: {e}", target.display()))?;
        let path = target.join("sdk-install.lock");
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        file.lock()
            .map_err(|e| format!("cannot lock {}: {e}", path.display()))?;
        Ok(InstallLock(file))
    }
}

impl Drop for InstallLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}

const MARKER: &str = ".compat-installed";

/// Run one installer step; on failure return its full output.
fn run(step: &str, cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}");
    let out = cmd
        .output()
        .map_err(|e| format!("{step}: cannot run {shown}: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "{step} failed ({}): {shown}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    ))
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Does `dir` hold a finished install made from `pins`?
fn is_current(dir: &Path, pins: &str) -> bool {
    fs::read_to_string(dir.join(MARKER)).is_ok_and(|m| m == pins)
}

fn install_python() -> Result<PathBuf, String> {
    let target = target_dir();
    let venv = target.join("sdk-venv");
    let python = venv.join("bin").join("python");
    let requirements = sdk_dir().join("python").join("requirements.txt");
    let pins = read(&requirements)?;
    let _lock = InstallLock::acquire(&target)?;
    // A venv whose interpreter no longer runs (moved machine, removed base Python) is stale.
    let runs = Command::new(&python)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if runs && is_current(&venv, &pins) {
        return Ok(python);
    }
    if venv.exists() {
        fs::remove_dir_all(&venv)
            .map_err(|e| format!("cannot remove stale {}: {e}", venv.display()))?;
    }
    let base = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    run(
        "create venv",
        Command::new(&base).args(["-m", "venv"]).arg(&venv),
    )?;
    run(
        "pip install",
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "-r",
            ])
            .arg(&requirements),
    )?;
    run(
        "import check",
        Command::new(&python).args([
            "-c",
            "import stytch, jsonschema; assert stytch.__version__ == '15.3.0', stytch.__version__",
        ]),
    )?;
    fs::write(venv.join(MARKER), &pins).map_err(|e| format!("cannot write marker: {e}"))?;
    Ok(python)
}

fn install_node() -> Result<PathBuf, String> {
    let target = target_dir();
    let dir = target.join("sdk-node");
    let src = sdk_dir().join("node");
    let manifest = read(&src.join("package.json"))?;
    let lock = read(&src.join("package-lock.json"))?;
    let pins = format!("{manifest}\n{lock}");
    let _lock = InstallLock::acquire(&target)?;
    if is_current(&dir, &pins) && dir.join("node_modules/stytch/package.json").exists() {
        return Ok(dir);
    }
    if dir.exists() {
        fs::remove_dir_all(&dir)
            .map_err(|e| format!("cannot remove stale {}: {e}", dir.display()))?;
    }
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    fs::write(dir.join("package.json"), &manifest)
        .map_err(|e| format!("cannot copy package.json: {e}"))?;
    fs::write(dir.join("package-lock.json"), &lock)
        .map_err(|e| format!("cannot copy package-lock.json: {e}"))?;
    run(
        "npm ci",
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
            .env("npm_config_update_notifier", "false")
            .current_dir(&dir),
    )?;
    run(
        "require check",
        Command::new("node")
            .args([
                "-e",
                "const v = JSON.parse(require('fs').readFileSync('node_modules/stytch/package.json')).version; \
                 require('stytch'); if (v !== '14.2.0') { console.error(v); process.exit(1); }",
            ])
            .current_dir(&dir),
    )?;
    fs::write(dir.join(MARKER), &pins).map_err(|e| format!("cannot write marker: {e}"))?;
    Ok(dir)
}

static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
static NODE: OnceLock<Result<PathBuf, String>> = OnceLock::new();

/// The venv's interpreter, installing on first use. Panics (fails the test) with the
/// installer's output when the install cannot be made.
pub fn python() -> PathBuf {
    match PYTHON.get_or_init(install_python) {
        Ok(p) => p.clone(),
        Err(e) => {
            panic!("installing the Python SDK (stytch==15.3.0) into target/sdk-venv failed:\n{e}")
        }
    }
}

/// The directory whose `node_modules` holds `stytch@14.2.0`, installing on first use.
pub fn node_dir() -> PathBuf {
    match NODE.get_or_init(install_node) {
        Ok(p) => p.clone(),
        Err(e) => {
            panic!("installing the Node SDK (stytch@14.2.0) into target/sdk-node failed:\n{e}")
        }
    }
}
