//! The writer task: the only owner of the write connection, and the group commit.
//!
//! It waits for the first unit, opens `BEGIN IMMEDIATE` with a savepoint and lends the
//! connection to that unit; when the unit gives it back (kept or discarded) it lends it to the
//! next unit already waiting, fencing each with `RELEASE`/`ROLLBACK TO` + `SAVEPOINT` (plain
//! calls on its own thread: the connection is a rusqlite one, see [`super::sql`]). When no unit
//! waits (or [`MAX_BATCH`] ran) it writes the id counter and commits, and only then
//! tells every kept unit that its writes are durable. It must never answer a unit before the
//! commit that holds its writes, and never lend the connection to two units at once.
//!
//! A *solo* ([`Msg::Solo`], the snapshot and the restore) gets the connection between batches,
//! outside any transaction (`VACUUM INTO` and `ATTACH` refuse to run inside one): the batch
//! running when it asks is committed first, and units asking meanwhile wait until it is back.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{mpsc, oneshot};

use super::checkpoint::Checkpointer;
use super::sql::{Conn, Error};

/// The most units one transaction holds: bounds how long the first one waits for its answer.
const MAX_BATCH: usize = 64;

type WriteConn = Conn;

/// What the writer's commit tells a kept unit: durable, or why not.
type Verdict = Result<(), String>;

pub(super) enum Msg {
    /// A unit asks for the connection.
    Unit(oneshot::Sender<Result<Lease, Error>>),
    /// Finish the batch, checkpoint the WAL, give the connection up.
    Close(oneshot::Sender<()>),
    /// Finish the batch, then lend the bare connection (no transaction open) until it is back.
    Solo(oneshot::Sender<Result<SoloLease, Error>>),
}

/// What a unit decided when it hands the connection back.
pub(super) enum Outcome {
    /// Keep its writes; `done` hears the commit. `counter` is the id counter after the unit.
    Keep {
        counter: u64,
        done: oneshot::Sender<Verdict>,
    },
    /// Roll its writes back to its savepoint.
    Discard,
}

struct Returned {
    conn: WriteConn,
    outcome: Outcome,
}

/// The connection lent to one unit. However it is dropped (a handler returned early, panicked
/// or was cancelled), the connection goes back to the writer, discarded.
pub(super) struct Lease {
    conn: Option<WriteConn>,
    back: Option<oneshot::Sender<Returned>>,
}

impl Lease {
    pub(super) fn conn(&self) -> &Conn {
        self.conn.as_ref().expect("a lease holds its connection")
    }

    pub(super) fn conn_mut(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("a lease holds its connection")
    }

    pub(super) fn give_back(mut self, outcome: Outcome) {
        if let (Some(conn), Some(back)) = (self.conn.take(), self.back.take()) {
            let _ = back.send(Returned { conn, outcome });
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let (Some(conn), Some(back)) = (self.conn.take(), self.back.take()) {
            let _ = back.send(Returned {
                conn,
                outcome: Outcome::Discard,
            });
        }
    }
}

/// The connection lent to a solo, outside any transaction. However it is dropped, the
/// connection goes back to the writer, which rolls back a transaction the solo left open.
pub(super) struct SoloLease {
    conn: Option<WriteConn>,
    back: Option<oneshot::Sender<WriteConn>>,
}

impl SoloLease {
    pub(super) fn conn(&self) -> &Conn {
        self.conn
            .as_ref()
            .expect("a solo lease holds its connection")
    }

    pub(super) fn conn_mut(&mut self) -> &mut Conn {
        self.conn
            .as_mut()
            .expect("a solo lease holds its connection")
    }
}

impl Drop for SoloLease {
    fn drop(&mut self) {
        if let (Some(conn), Some(back)) = (self.conn.take(), self.back.take()) {
            let _ = back.send(conn);
        }
    }
}

/// The error a unit sees when the writer has stopped (the mock is shutting down).
pub(super) fn gone() -> Error {
    Error::Other("the database writer has stopped".into())
}

/// Start the writer; it owns `conn` (whose automatic checkpoint is off) and the checkpointer
/// it pokes after each commit, until the database closes.
pub(super) fn spawn(
    conn: Conn,
    checkpointer: Checkpointer,
    commits: Arc<AtomicU64>,
) -> mpsc::UnboundedSender<Msg> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(run(conn, checkpointer, commits, rx));
    tx
}

async fn run(
    conn: Conn,
    mut checkpointer: Checkpointer,
    commits: Arc<AtomicU64>,
    mut rx: mpsc::UnboundedReceiver<Msg>,
) {
    let mut held: Option<WriteConn> = Some(conn);
    // A message that ended a batch (a solo or a close), served before the next one is read.
    let mut pending: Option<Msg> = None;
    let closing = loop {
        let msg = match pending.take() {
            Some(msg) => Some(msg),
            None => rx.recv().await,
        };
        let Some(conn) = held.take() else {
            // The connection was lost (a unit's task died holding it): refuse everything.
            match msg {
                Some(Msg::Unit(ask)) => drop(ask.send(Err(gone()))),
                Some(Msg::Solo(ask)) => drop(ask.send(Err(gone()))),
                Some(Msg::Close(done)) => break Some(done),
                None => break None,
            }
            continue;
        };
        match msg {
            Some(Msg::Unit(first)) => {
                let before = commits.load(Ordering::Relaxed);
                let (conn, ended_by) = batch(conn, first, &mut rx, &commits).await;
                if commits.load(Ordering::Relaxed) != before {
                    checkpointer.poke();
                }
                held = conn;
                pending = ended_by;
            }
            Some(Msg::Solo(ask)) => held = solo(conn, ask).await,
            Some(Msg::Close(done)) => {
                held = Some(conn);
                break Some(done);
            }
            None => break None,
        }
    };
    rx.close();
    // Its connection closes before the final checkpoint, which then runs alone.
    checkpointer.stop();
    let Some(done) = closing else { return };
    if let Some(mut conn) = held.take()
        && let Err(e) = exec(&mut conn, "PRAGMA wal_checkpoint(TRUNCATE)").await
    {
        tracing::warn!(error = %e, "WAL checkpoint at shutdown failed");
    }
    let _ = done.send(());
}

/// Lend the bare connection to a solo and wait until it is back; a transaction it left open
/// (it was cancelled halfway) is rolled back, so the next batch starts clean.
async fn solo(
    conn: WriteConn,
    ask: oneshot::Sender<Result<SoloLease, Error>>,
) -> Option<WriteConn> {
    let (back, returned) = oneshot::channel();
    let lease = SoloLease {
        conn: Some(conn),
        back: Some(back),
    };
    // A solo that stopped waiting drops the lease, which comes straight back.
    let _ = ask.send(Ok(lease));
    let mut conn = returned.await.ok()?;
    // Fails ("no transaction is active") after a solo that finished properly: nothing to undo.
    let _ = exec(&mut conn, "ROLLBACK").await;
    Some(conn)
}

/// One transaction: `first` and every unit that asks while it runs (up to [`MAX_BATCH`]).
/// Returns the connection (unless it was lost) and the `Close` or `Solo` that ended it.
async fn batch(
    mut conn: WriteConn,
    first: oneshot::Sender<Result<Lease, Error>>,
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    commits: &AtomicU64,
) -> (Option<WriteConn>, Option<Msg>) {
    if let Err(e) = exec(&mut conn, "BEGIN IMMEDIATE; SAVEPOINT unit").await {
        let _ = exec(&mut conn, "ROLLBACK").await;
        let _ = first.send(Err(e));
        return (Some(conn), None);
    }
    let mut kept: Vec<oneshot::Sender<Verdict>> = Vec::new();
    let mut counter = None;
    let mut units = 0;
    let mut ask = first;
    let mut ended_by = None;
    loop {
        units += 1;
        let (back, returned) = oneshot::channel();
        let lease = Lease {
            conn: Some(conn),
            back: Some(back),
        };
        // A unit that stopped waiting drops the lease, which comes back discarded.
        let _ = ask.send(Ok(lease));
        let Ok(Returned { conn: c, outcome }) = returned.await else {
            fail(kept, "the write connection was lost");
            return (None, ended_by);
        };
        conn = c;
        let this_kept = match outcome {
            Outcome::Keep { counter: n, done } => {
                counter = Some(n);
                kept.push(done);
                true
            }
            Outcome::Discard => false,
        };
        let next = if units < MAX_BATCH {
            match rx.try_recv() {
                Ok(Msg::Unit(next)) => Some(next),
                Ok(other @ (Msg::Close(_) | Msg::Solo(_))) => {
                    ended_by = Some(other);
                    None
                }
                Err(_) => None,
            }
        } else {
            None
        };
        let Some(next) = next else {
            if commit(&mut conn, kept, counter, this_kept).await {
                commits.fetch_add(1, Ordering::Relaxed);
            }
            return (Some(conn), ended_by);
        };
        if let Err(e) = fence(&mut conn, this_kept) {
            let message = e.to_string();
            let _ = exec(&mut conn, "ROLLBACK").await;
            fail(kept, &message);
            let _ = next.send(Err(e));
            return (Some(conn), ended_by);
        }
        ask = next;
    }
}

/// End the batch: drop the last unit's writes if it discarded them, store the id counter of the
/// last kept unit, commit, and tell every kept unit. Whether a transaction was committed.
async fn commit(
    conn: &mut Conn,
    kept: Vec<oneshot::Sender<Verdict>>,
    counter: Option<u64>,
    last_kept: bool,
) -> bool {
    let sql = match counter {
        None => "ROLLBACK".to_owned(),
        Some(n) => format!(
            "{}INSERT INTO meta (key, value) VALUES ('id_counter', '{n}') \
             ON CONFLICT(key) DO UPDATE SET value = excluded.value; COMMIT",
            if last_kept { "" } else { "ROLLBACK TO unit; " }
        ),
    };
    match exec(conn, &sql).await {
        Ok(()) => {
            for done in kept {
                let _ = done.send(Ok(()));
            }
            counter.is_some()
        }
        Err(e) => {
            tracing::error!(error = %e, "group commit failed; the batch is rolled back");
            let _ = exec(conn, "ROLLBACK").await;
            fail(kept, &e.to_string());
            false
        }
    }
}

/// Between two units of a batch: keep (`RELEASE`) or drop (`ROLLBACK TO`) the last one's
/// writes and open the next one's savepoint. The statements are prepared once.
///
/// `defer_foreign_keys` (the reset sets it) is per transaction, not per savepoint, so no unit
/// may leave it on for the next; but it is turned off only when it is on: setting any flag
/// pragma expires every prepared statement of the connection (SQLite's `pragma.c` emits
/// `OP_Expire`), and turning it off at every fence made every unit re-prepare each of its
/// statements (a quarter of the mock's CPU time under `otps/sms/send` load).
fn fence(conn: &mut Conn, kept: bool) -> Result<(), Error> {
    let undefer = |conn: &mut Conn| -> Result<(), Error> {
        let on: bool = conn
            .prepare_cached("PRAGMA defer_foreign_keys")?
            .query_row([], |row| row.get(0))?;
        if on {
            conn.execute_batch("PRAGMA defer_foreign_keys = OFF")?;
        }
        Ok(())
    };
    if kept {
        undefer(conn)?;
        conn.prepare_cached("RELEASE unit")?.execute([])?;
        conn.prepare_cached("SAVEPOINT unit")?.execute([])?;
    } else {
        // `ROLLBACK TO` keeps the savepoint open: the next unit starts inside it.
        conn.prepare_cached("ROLLBACK TO unit")?.execute([])?;
        undefer(conn)?;
    }
    Ok(())
}

/// `sql` (any number of statements) on the connection, on this thread. Async only so the
/// callers read the same as the units' statements do.
async fn exec(conn: &mut Conn, sql: &str) -> Result<(), Error> {
    conn.execute_batch(sql).map_err(Error::from)
}

fn fail(kept: Vec<oneshot::Sender<Verdict>>, why: &str) {
    for done in kept {
        let _ = done.send(Err(why.to_owned()));
    }
}

#[cfg(test)]
mod tests;
