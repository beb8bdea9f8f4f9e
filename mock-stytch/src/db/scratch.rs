//! Where an `--in-memory` database lives: a directory of its own under the system's temporary
//! directory, removed when the mock stops, and swept by the next mock when the one that made it
//! was killed (SIGKILL leaves no chance to clean up; test helpers kill their mocks that way).
//!
//! Each directory holds a `lock` file its mock keeps locked (an OS file lock, released when the
//! process dies, in any PID namespace). A new mock removes every `mock-stytch-memory-*`
//! directory whose lock it can take. It must never remove a directory whose lock is held, nor
//! one without a lock file that is younger than an hour (its mock may be starting up).

use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

const PREFIX: &str = "mock-stytch-memory-";
const LOCK: &str = "lock";
/// A directory without a lock file older than this is a leftover of a crash mid-start.
const UNLOCKED_GRACE: Duration = Duration::from_secs(3600);

/// A live scratch directory: removed (with its database) when dropped.
#[derive(Debug)]
pub struct Scratch {
    dir: tempfile::TempDir,
    /// Held locked for as long as this mock runs.
    _lock: File,
}

impl Scratch {
    /// Sweep the directories of killed mocks, then make and lock a new one.
    pub fn create() -> std::io::Result<Scratch> {
        sweep(&std::env::temp_dir());
        let dir = tempfile::Builder::new().prefix(PREFIX).tempdir()?;
        // Locked under another name, then renamed into place: a sweeper never sees `lock`
        // unheld, so it cannot take (and remove) a directory that is starting.
        let fresh = dir.path().join("lock.new");
        let lock = File::create(&fresh)?;
        lock.try_lock().map_err(|e| match e {
            TryLockError::Error(e) => e,
            TryLockError::WouldBlock => std::io::Error::other("a fresh lock file is locked"),
        })?;
        fs::rename(&fresh, dir.path().join(LOCK))?;
        Ok(Scratch { dir, _lock: lock })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// Remove the scratch directories under `tmp` that no running mock holds.
fn sweep(tmp: &Path) {
    let Ok(entries) = fs::read_dir(tmp) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(PREFIX) {
            continue;
        }
        let dir = entry.path();
        if abandoned(&dir) {
            match fs::remove_dir_all(&dir) {
                Ok(()) => {
                    tracing::info!(dir = %dir.display(), "removed the database of a mock that was killed")
                }
                Err(e) => {
                    tracing::debug!(dir = %dir.display(), error = %e, "cannot remove a stale in-memory database")
                }
            }
        }
    }
}

/// No mock holds `dir`: its lock can be taken, or it has no lock file and is old.
fn abandoned(dir: &PathBuf) -> bool {
    match File::options().write(true).open(dir.join(LOCK)) {
        // The lock is released when this `File` is dropped, after the caller removed the dir.
        Ok(lock) => match lock.try_lock() {
            Ok(()) => true,
            Err(_) => false,
        },
        Err(_) => fs::metadata(dir)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| SystemTime::now().duration_since(t).ok())
            .is_some_and(|age| age > UNLOCKED_GRACE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_directory_is_kept_and_a_released_one_is_swept() {
        let tmp = tempfile::tempdir().unwrap();
        let held = tmp.path().join(format!("{PREFIX}held"));
        let gone = tmp.path().join(format!("{PREFIX}gone"));
        let young = tmp.path().join(format!("{PREFIX}starting"));
        let other = tmp.path().join("something-else");
        for d in [&held, &gone, &young, &other] {
            fs::create_dir(d).unwrap();
        }
        let lock = File::create(held.join(LOCK)).unwrap();
        lock.try_lock().unwrap();
        // A mock that was killed: its lock file is there, nobody holds it.
        File::create(gone.join(LOCK)).unwrap();
        fs::write(gone.join("mock.db"), b"x").unwrap();
        sweep(tmp.path());
        assert!(held.exists(), "a running mock's directory is kept");
        assert!(!gone.exists(), "a killed mock's directory is removed");
        assert!(
            young.exists(),
            "a directory without a lock file is kept for an hour"
        );
        assert!(other.exists(), "other directories are not touched");
    }
}
