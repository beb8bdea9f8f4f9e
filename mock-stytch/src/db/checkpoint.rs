//! The WAL checkpointer: copies committed WAL frames into the database file on a thread of its
//! own, with a connection of its own, so the writer never does.
//!
//! SQLite's automatic checkpoint runs inside the `COMMIT` that crosses its threshold, on the
//! writing connection: under load a third of the writer's time went to it (perf, issue 16), and
//! every unit of the next batch waited. The writer's connection has it off
//! (`wal_autocheckpoint = 0`) and pokes this thread after each commit instead. A `PASSIVE`
//! checkpoint never blocks the writer or a reader; it copies what no reader still needs. After
//! one, the thread rests [`PAUSE`] before the next, so a busy mock checkpoints a few times a
//! second (not once per commit) and an idle one not at all.
//!
//! It must never write anything but a checkpoint, and never hold up the writer:
//! [`Checkpointer::poke`] only sets a flag.

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::sql::Conn;

/// The rest between two checkpoints.
const PAUSE: Duration = Duration::from_millis(50);

#[derive(Default)]
struct Flags {
    /// A commit happened since the last checkpoint started.
    pending: bool,
    stop: bool,
}

#[derive(Default)]
struct Shared {
    flags: Mutex<Flags>,
    wake: Condvar,
}

/// The handle the writer keeps; stopping it (or dropping it) ends the thread.
pub(super) struct Checkpointer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Start the thread; it owns `conn`.
    pub(super) fn spawn(conn: Conn) -> std::io::Result<Checkpointer> {
        let shared = Arc::new(Shared::default());
        let thread = std::thread::Builder::new()
            .name("mock-checkpoint".into())
            .spawn({
                let shared = shared.clone();
                move || run(conn, &shared)
            })?;
        Ok(Checkpointer {
            shared,
            thread: Some(thread),
        })
    }

    /// A commit happened: checkpoint soon. Wakes the thread only if it was not already due.
    pub(super) fn poke(&self) {
        let mut flags = self.shared.flags.lock().expect("checkpoint flags");
        if !flags.pending {
            flags.pending = true;
            self.shared.wake.notify_one();
        }
    }

    /// End the thread (a checkpoint under way finishes first) and close its connection.
    pub(super) fn stop(&mut self) {
        self.shared.flags.lock().expect("checkpoint flags").stop = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn run(conn: Conn, shared: &Shared) {
    loop {
        {
            let flags = shared.flags.lock().expect("checkpoint flags");
            let mut flags = shared
                .wake
                .wait_while(flags, |f| !f.pending && !f.stop)
                .expect("checkpoint flags");
            if flags.stop {
                return;
            }
            flags.pending = false;
        }
        let ran = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            row.get::<_, i64>(0)
        });
        if let Err(e) = ran {
            tracing::warn!(error = %e, "WAL checkpoint failed; the next commit retries it");
        }
        let flags = shared.flags.lock().expect("checkpoint flags");
        let (flags, _) = shared
            .wake
            .wait_timeout_while(flags, PAUSE, |f| !f.stop)
            .expect("checkpoint flags");
        if flags.stop {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size(path: &std::path::Path) -> u64 {
        std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
    }

    /// With the writer's automatic checkpoint off, the committed pages stay in the WAL until a
    /// poke: then this thread copies them into the database file. Stop ends the thread.
    #[test]
    fn a_poke_copies_the_wal_into_the_file_and_stop_ends_the_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let writer = Conn::open(&path).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; \
                 PRAGMA wal_autocheckpoint = 0; CREATE TABLE t (x BLOB); BEGIN",
            )
            .unwrap();
        for _ in 0..2000 {
            writer
                .execute("INSERT INTO t VALUES (zeroblob(4000))", [])
                .unwrap();
        }
        writer.execute_batch("COMMIT").unwrap();
        let data = 2000 * 4000;
        assert!(size(&path) < data, "nothing checkpointed yet");
        let mut checkpointer = Checkpointer::spawn(Conn::open(&path).unwrap()).unwrap();
        checkpointer.poke();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while size(&path) < data && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(size(&path) >= data, "the poke checkpointed the WAL");
        checkpointer.stop();
        assert!(checkpointer.thread.is_none());
    }
}
