//! The writer task: the only owner of the write connection, and the group commit.
//!
//! It waits for the first unit, opens `BEGIN IMMEDIATE` with a savepoint and lends the
//! connection to that unit; when the unit gives it back (kept or discarded) it lends it to the
//! next unit already waiting, fencing each with `RELEASE`/`ROLLBACK TO` + `SAVEPOINT` in one
//! statement batch (one hand-off to sqlx's worker thread). When no unit waits (or
//! [`MAX_BATCH`] ran) it writes the id counter and commits, in one hand-off too, and only then
//! tells every kept unit that its writes are durable. It must never answer a unit before the
//! commit that holds its writes, and never lend the connection to two units at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::pool::PoolConnection;
use sqlx::{Executor, Sqlite, SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

/// The most units one transaction holds: bounds how long the first one waits for its answer.
const MAX_BATCH: usize = 64;

type WriteConn = PoolConnection<Sqlite>;

/// What the writer's commit tells a kept unit: durable, or why not.
type Verdict = Result<(), String>;

pub(super) enum Msg {
    /// A unit asks for the connection.
    Unit(oneshot::Sender<Result<Lease, sqlx::Error>>),
    /// Finish the batch, checkpoint the WAL, give the connection up.
    Close(oneshot::Sender<()>),
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
    pub(super) fn conn(&self) -> &SqliteConnection {
        self.conn.as_ref().expect("a lease holds its connection")
    }

    pub(super) fn conn_mut(&mut self) -> &mut SqliteConnection {
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

/// The error a unit sees when the writer has stopped (the mock is shutting down).
pub(super) fn gone() -> sqlx::Error {
    sqlx::Error::Protocol("the database writer has stopped".into())
}

/// Start the writer on `pool`'s connection. With `keep`, it holds the connection between
/// batches (a file's own write connection); otherwise it takes it for each batch and returns
/// it, so the readers can use it in between (the one in-memory connection).
pub(super) fn spawn(
    pool: SqlitePool,
    keep: bool,
    commits: Arc<AtomicU64>,
) -> mpsc::UnboundedSender<Msg> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(run(pool, keep, commits, rx));
    tx
}

async fn run(
    pool: SqlitePool,
    keep: bool,
    commits: Arc<AtomicU64>,
    mut rx: mpsc::UnboundedReceiver<Msg>,
) {
    let mut held: Option<WriteConn> = None;
    let closing = loop {
        let first = match rx.recv().await {
            Some(Msg::Unit(ask)) => ask,
            Some(Msg::Close(done)) => break Some(done),
            None => break None,
        };
        let conn = match held.take() {
            Some(conn) => conn,
            None => match pool.acquire().await {
                Ok(conn) => conn,
                Err(e) => {
                    let _ = first.send(Err(e));
                    continue;
                }
            },
        };
        let (conn, closing) = batch(conn, first, &mut rx, &commits).await;
        if keep {
            held = conn;
        }
        if closing.is_some() {
            break closing;
        }
    };
    rx.close();
    let Some(done) = closing else { return };
    let conn = match held.take() {
        Some(conn) => Ok(conn),
        None => pool.acquire().await,
    };
    let checkpoint = match conn {
        Ok(mut conn) => exec(&mut conn, "PRAGMA wal_checkpoint(TRUNCATE)").await,
        Err(e) => Err(e),
    };
    if let Err(e) = checkpoint {
        tracing::warn!(error = %e, "WAL checkpoint at shutdown failed");
    }
    let _ = done.send(());
}

/// One transaction: `first` and every unit that asks while it runs (up to [`MAX_BATCH`]).
/// Returns the connection (unless it was lost) and a `Close` that arrived meanwhile.
async fn batch(
    mut conn: WriteConn,
    first: oneshot::Sender<Result<Lease, sqlx::Error>>,
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    commits: &AtomicU64,
) -> (Option<WriteConn>, Option<oneshot::Sender<()>>) {
    if let Err(e) = exec(&mut conn, "BEGIN IMMEDIATE; SAVEPOINT unit").await {
        let _ = exec(&mut conn, "ROLLBACK").await;
        let _ = first.send(Err(e));
        return (Some(conn), None);
    }
    let mut kept: Vec<oneshot::Sender<Verdict>> = Vec::new();
    let mut counter = None;
    let mut units = 0;
    let mut ask = first;
    let mut closing = None;
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
            return (None, closing);
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
                Ok(Msg::Close(done)) => {
                    closing = Some(done);
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
            return (Some(conn), closing);
        };
        // `defer_foreign_keys` (the reset sets it) is per transaction, not per savepoint: no
        // unit may leave it to the next.
        let fence = if this_kept {
            "PRAGMA defer_foreign_keys = OFF; RELEASE unit; SAVEPOINT unit"
        } else {
            "ROLLBACK TO unit; PRAGMA defer_foreign_keys = OFF"
        };
        if let Err(e) = exec(&mut conn, fence).await {
            let message = e.to_string();
            let _ = exec(&mut conn, "ROLLBACK").await;
            fail(kept, &message);
            let _ = next.send(Err(e));
            return (Some(conn), closing);
        }
        ask = next;
    }
}

/// End the batch: drop the last unit's writes if it discarded them, store the id counter of the
/// last kept unit, commit, and tell every kept unit. Whether a transaction was committed.
async fn commit(
    conn: &mut SqliteConnection,
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

/// One hand-off to the connection's worker thread for `sql` (any number of statements).
/// Through `Executor::execute`, whose boxed future the spawned writer task can hold (`Send`).
async fn exec(conn: &mut SqliteConnection, sql: &str) -> Result<(), sqlx::Error> {
    conn.execute(sqlx::raw_sql(sql)).await.map(drop)
}

fn fail(kept: Vec<oneshot::Sender<Verdict>>, why: &str) {
    for done in kept {
        let _ = done.send(Err(why.to_owned()));
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::config::DbLocation;
    use crate::db::{Db, get_meta, set_meta};
    use crate::ids::Ids;

    /// Units queued behind a held lease share one transaction; a unit dropped without commit
    /// takes only its own writes with it, before and after kept ones.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_batch_keeps_its_committed_units_and_drops_only_the_discarded_ones() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&DbLocation::File(dir.path().join("w.db")))
            .await
            .unwrap();
        let ids = std::sync::Arc::new(Ids::new(1, 1, 0));
        let before = db.commits();
        // Hold the connection so the 40 units below queue up behind it.
        let gate = db.write().await.unwrap();
        let mut units = Vec::new();
        for i in 0..40u32 {
            let (db, ids) = (db.clone(), ids.clone());
            units.push(tokio::spawn(async move {
                let mut tx = db.write().await.unwrap();
                set_meta(&mut tx, &format!("unit-{i}"), "written")
                    .await
                    .unwrap();
                if i % 3 == 0 {
                    drop(tx); // discarded
                } else {
                    tx.commit(&ids).await.unwrap();
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        gate.commit(&ids).await.unwrap();
        for u in units {
            u.await.unwrap();
        }
        let mut conn = db.pool.acquire().await.unwrap();
        for i in 0..40u32 {
            let got = get_meta(&mut conn, &format!("unit-{i}")).await.unwrap();
            let want = (i % 3 != 0).then(|| "written".to_owned());
            assert_eq!(got, want, "unit {i}");
        }
        let commits = db.commits() - before;
        assert!(commits < 10, "41 queued units took {commits} commits");
        drop(conn);
        db.close().await;
    }

    /// A unit that stops waiting (its request was cancelled) before or while it holds the
    /// connection neither wedges the writer nor leaves its writes behind.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_cancelled_unit_gives_the_connection_back() {
        let db = Db::open(&DbLocation::Memory).await.unwrap();
        let ids = Ids::new(1, 1, 0);
        let gate = db.write().await.unwrap();
        let waiting = tokio::spawn({
            let db = db.clone();
            async move { db.write().await.map(drop) }
        });
        let holding = tokio::spawn({
            let db = db.clone();
            async move {
                let mut tx = db.write().await.unwrap();
                set_meta(&mut tx, "cancelled", "yes").await.unwrap();
                std::future::pending::<()>().await;
            }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        waiting.abort();
        drop(gate);
        tokio::time::sleep(Duration::from_millis(50)).await;
        holding.abort();
        let mut tx = tokio::time::timeout(Duration::from_secs(5), db.write())
            .await
            .expect("the writer is not wedged")
            .unwrap();
        assert_eq!(get_meta(&mut tx, "cancelled").await.unwrap(), None);
        tx.commit(&ids).await.unwrap();
    }
}
