//! The SQLite store: opening it (WAL, migrations from `migrations/mock/`), the `meta` key/value
//! table, and [`WriteTx`], the only way handlers write.
//!
//! **One writer, group commit** (issue 16). One task owns the write connection (the [`writer`]
//! module). A handler asks it for the connection ([`Db::write`]) and gets a [`WriteTx`]: a lease
//! on that connection inside the writer's current transaction, fenced by a savepoint. Leases are
//! granted one at a time, so "check then consume" (a code, a token) is one atomic step and ids
//! are drawn in the order the units run; every unit that asked while a batch was running joins
//! it, and the batch is committed as ONE `BEGIN IMMEDIATE … COMMIT` with the id counter. A
//! unit's [`WriteTx::commit`] returns only once that commit is durable (its [`Committed`] proof);
//! a unit dropped without commit is rolled back to its savepoint, the others are unaffected.
//! Reads that need no write go to [`Db::pool`], read connections (WAL: they never wait for the
//! writer). A handler must never write outside a `WriteTx`, and must keep CPU-heavy work
//! (password hashes, RS256 signatures, QR images) out of one: the whole batch waits for it.
//! [`Db::solo`] lends the connection outside any transaction, between batches, for the
//! snapshot and the restore ([`snapshot`]), which SQLite does not run inside one.

mod migrations;
pub mod snapshot;
mod writer;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{SqliteConnection, SqlitePool};
use tokio::sync::{mpsc, oneshot};

use crate::config::DbLocation;
use crate::ids::Ids;

pub use migrations::MIGRATOR;

/// How many read connections a file database keeps (each has its own sqlx worker thread).
const READ_CONNECTIONS: u32 = 8;

#[derive(Clone, Debug)]
pub struct Db {
    /// Read connections. The product only reads through them; tests and the benchmark may seed
    /// rows directly (SQLite's lock and the busy timeout order those against the writer). With
    /// `--in-memory` this is the one connection, which the writer borrows for each batch.
    pub pool: SqlitePool,
    /// Where the writer's connection comes from: its own single-connection pool for a file.
    write_pool: SqlitePool,
    writer: mpsc::UnboundedSender<writer::Msg>,
    /// How many batches the writer has committed (units ÷ this = units per commit).
    commits: Arc<AtomicU64>,
}

/// One unit of the writer's current batch. Dropping it without [`WriteTx::commit`] rolls its
/// writes back (to its savepoint) and hands the connection on.
pub struct WriteTx {
    lease: Option<writer::Lease>,
}

impl std::ops::Deref for WriteTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        self.lease
            .as_ref()
            .expect("a live lease holds the connection")
            .conn()
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.lease
            .as_mut()
            .expect("a live lease holds the connection")
            .conn_mut()
    }
}

/// The write connection alone, between batches and outside any transaction (see [`Db::solo`]).
/// Dropping it hands the connection back; a transaction left open is rolled back.
pub struct Solo {
    lease: writer::SoloLease,
}

impl std::ops::Deref for Solo {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        self.lease.conn()
    }
}

impl std::ops::DerefMut for Solo {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.lease.conn_mut()
    }
}

/// Proof that the request's writes are durable (or that it made none): what the work that must
/// run after the commit and outside the write lock (signing a session JWT) asks for. Only
/// [`WriteTx::commit`] and, for a request that wrote nothing, [`Committed::read_only`] make one:
///
/// ```compile_fail
/// let done = mock_stytch::db::Committed(()); // no proof without a commit
/// ```
///
/// ```
/// let done = mock_stytch::db::Committed::read_only(); // the explicit, greppable exception
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Committed(());

impl Committed {
    /// For a request that wrote nothing (a read-only answer): there is nothing to wait for.
    pub fn read_only() -> Committed {
        Committed(())
    }
}

impl WriteTx {
    /// Keep this unit's writes and wait until the batch they are in is committed, with the id
    /// counter as it stands now, so a restart resumes after it. The connection passes to the
    /// next unit at once; the answer waits for the commit.
    pub async fn commit(mut self, ids: &Ids) -> Result<Committed, sqlx::Error> {
        let lease = self
            .lease
            .take()
            .expect("a live lease holds the connection");
        let (done, committed) = oneshot::channel();
        lease.give_back(writer::Outcome::Keep {
            counter: ids.counter(),
            done,
        });
        match committed.await {
            Ok(Ok(())) => Ok(Committed(())),
            Ok(Err(e)) => Err(sqlx::Error::Protocol(format!("group commit failed: {e}"))),
            Err(_) => Err(writer::gone()),
        }
    }
}

impl Db {
    pub async fn open(location: &DbLocation) -> anyhow::Result<Db> {
        let (options, max) = match location {
            DbLocation::File(path) => (
                SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    // NORMAL in WAL mode: a committed transaction survives a process crash
                    // (SIGKILL); only an OS crash or power loss may lose the last commits.
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true),
                READ_CONNECTIONS,
            ),
            // One connection: a private in-memory database lives and dies with its connection.
            DbLocation::Memory => (
                SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true),
                1,
            ),
        };
        let open = |max: u32, min: u32| {
            SqlitePoolOptions::new()
                .max_connections(max)
                .min_connections(min)
                .idle_timeout(None)
                .max_lifetime(None)
                // An SQLite connection does not go stale: no ping round trip per acquire.
                .test_before_acquire(false)
                .connect_with(options.clone())
        };
        let cannot_open = |e| anyhow::anyhow!("cannot open database {location:?}: {e}");
        let cannot_migrate = |e| anyhow::anyhow!("cannot migrate database {location:?}: {e}");
        let (pool, write_pool) = match location {
            // The writer's connection first: it switches the file to WAL and migrates it before
            // any reader opens (several connections opening a brand-new file at once can meet
            // "database is locked").
            DbLocation::File(_) => {
                let write_pool = open(1, 1).await.map_err(cannot_open)?;
                MIGRATOR.run(&write_pool).await.map_err(cannot_migrate)?;
                (open(max, 1).await.map_err(cannot_open)?, write_pool)
            }
            DbLocation::Memory => {
                let pool = open(1, 1).await.map_err(cannot_open)?;
                MIGRATOR.run(&pool).await.map_err(cannot_migrate)?;
                (pool.clone(), pool)
            }
        };
        // A file's writer keeps its own connection; the in-memory one is shared with the reads.
        let keep = matches!(location, DbLocation::File(_));
        let commits = Arc::new(AtomicU64::new(0));
        let writer = writer::spawn(write_pool.clone(), keep, commits.clone());
        Ok(Db {
            pool,
            write_pool,
            writer,
            commits,
        })
    }

    /// A lease on the write connection for one unit of the current (or next) batch; waits for
    /// the units ahead of it.
    pub async fn write(&self) -> Result<WriteTx, sqlx::Error> {
        let (ask, granted) = oneshot::channel();
        self.writer
            .send(writer::Msg::Unit(ask))
            .map_err(|_| writer::gone())?;
        let lease = granted.await.map_err(|_| writer::gone())??;
        Ok(WriteTx { lease: Some(lease) })
    }

    /// The write connection to itself, outside any transaction: the running batch is committed
    /// first, and every unit asking meanwhile waits until the [`Solo`] is dropped. For what
    /// SQLite refuses inside a transaction (`VACUUM INTO`, `ATTACH`); the holder opens its own
    /// transactions and must write the id counter itself when it changes data.
    pub async fn solo(&self) -> Result<Solo, sqlx::Error> {
        let (ask, granted) = oneshot::channel();
        self.writer
            .send(writer::Msg::Solo(ask))
            .map_err(|_| writer::gone())?;
        let lease = granted.await.map_err(|_| writer::gone())??;
        Ok(Solo { lease })
    }

    /// How many transactions the writer has committed since the database was opened.
    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// Let the writer finish its batch and checkpoint the WAL into the main file, then close
    /// every connection: a cleanly stopped mock leaves one self-contained database file behind.
    pub async fn close(&self) {
        let (ask, done) = oneshot::channel();
        if self.writer.send(writer::Msg::Close(ask)).is_ok() {
            let _ = done.await;
        }
        self.pool.close().await;
        self.write_pool.close().await;
    }
}

pub async fn get_meta(
    conn: &mut SqliteConnection,
    key: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
        .bind(key)
        .fetch_optional(conn)
        .await
}

pub async fn set_meta(
    conn: &mut SqliteConnection,
    key: &str,
    value: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        .bind(key)
        .bind(value)
        .execute(conn)
        .await?;
    Ok(())
}

/// Every table that holds API data (all but `meta` and sqlx's own), for `/_mock/reset`.
pub async fn data_tables(conn: &mut SqliteConnection) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('meta') \
         AND name NOT LIKE '_sqlx%' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(conn)
    .await
}
