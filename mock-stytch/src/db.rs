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
//! writer). Every statement is a plain call on the calling thread ([`sql`] says why). A handler
//! must never write outside a `WriteTx`, and must keep CPU-heavy work (password hashes, RS256
//! signatures, QR images) out of one: the whole batch waits for it.
//! [`Db::solo`] lends the connection outside any transaction, between batches, for the
//! snapshot and the restore ([`snapshot`]), which SQLite does not run inside one.

mod checkpoint;
mod migrations;
mod read;
mod scratch;
pub mod snapshot;
pub mod sql;
mod writer;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rusqlite::OpenFlags;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::{mpsc, oneshot};

use crate::config::DbLocation;
use crate::ids::Ids;

pub use migrations::MIGRATOR;
pub use read::{ReadConn, ReadPool};
pub use sql::{Conn, Error};

/// How long a statement waits for another connection's lock (another process on the file, or
/// a read connection of an in-memory database while the writer commits).
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Prepared statements each connection keeps (rusqlite's default, 16, is fewer than the mock
/// has hot statements).
const STATEMENT_CACHE: usize = 256;

#[derive(Clone, Debug)]
pub struct Db {
    /// Read connections (WAL: they never wait for the writer). The product only reads through
    /// them.
    pub pool: ReadPool,
    /// An sqlx pool on the same database, connected on first use: a side door for tests and the
    /// benchmark, which may read or seed rows directly (SQLite's lock and the busy timeout order
    /// those against the writer). The product never uses it.
    pub sqlx: SqlitePool,
    writer: mpsc::UnboundedSender<writer::Msg>,
    /// How many batches the writer has committed (units ÷ this = units per commit).
    commits: Arc<AtomicU64>,
    /// The directory of an `--in-memory` database, removed when the last clone is dropped.
    _temp: Option<Arc<scratch::Scratch>>,
}

/// One unit of the writer's current batch. Dropping it without [`WriteTx::commit`] rolls its
/// writes back (to its savepoint) and hands the connection on.
pub struct WriteTx {
    lease: Option<writer::Lease>,
}

impl std::ops::Deref for WriteTx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.lease
            .as_ref()
            .expect("a live lease holds the connection")
            .conn()
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut Conn {
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
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.lease.conn()
    }
}

impl std::ops::DerefMut for Solo {
    fn deref_mut(&mut self) -> &mut Conn {
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
    pub async fn commit(mut self, ids: &Ids) -> Result<Committed, Error> {
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
            Ok(Err(e)) => Err(Error::Other(format!("group commit failed: {e}"))),
            Err(_) => Err(writer::gone()),
        }
    }
}

impl Db {
    /// Open (creating and migrating if need be) the database. sqlx opens and migrates it; the
    /// writer and the readers are then rusqlite connections on the same file (see [`sql`]).
    pub async fn open(location: &DbLocation) -> anyhow::Result<Db> {
        // `--in-memory`: a file in a temporary directory removed with the last clone of this
        // `Db` (or by the next mock, if this one is killed: [`scratch`]), written without
        // fsync. Not SQLite's `:memory:`: that database is private to one connection, and the
        // `memdb` VFS that shares one refuses every reader while a write transaction is open,
        // which a group commit always has.
        let (path, temp, durable) = match location {
            DbLocation::File(path) => (path.clone(), None, true),
            DbLocation::Memory => {
                let dir = scratch::Scratch::create()
                    .map_err(|e| anyhow::anyhow!("cannot make a temporary directory: {e}"))?;
                (dir.path().join("mock.db"), Some(Arc::new(dir)), false)
            }
        };
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // NORMAL in WAL mode: a committed transaction survives a process crash (SIGKILL);
            // only an OS crash or power loss may lose the last commits.
            .synchronous(if durable {
                SqliteSynchronous::Normal
            } else {
                SqliteSynchronous::Off
            })
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let target = Target { path, durable };
        let cannot_open =
            |e: &dyn std::fmt::Display| anyhow::anyhow!("cannot open database {location:?}: {e}");
        // sqlx's connection switches the file to WAL and migrates it before the writer and any
        // reader open (several connections opening a brand-new file at once can meet "database
        // is locked").
        let migrate = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(|e| cannot_open(&e))?;
        MIGRATOR
            .run(&migrate)
            .await
            .map_err(|e| anyhow::anyhow!("cannot migrate database {location:?}: {e}"))?;
        migrate.close().await;
        let write_conn = target.open(true).map_err(|e| cannot_open(&e))?;
        // Opened like the writer's (not read-only): a checkpoint writes the database file.
        let checkpointer =
            checkpoint::Checkpointer::spawn(target.open(true).map_err(|e| cannot_open(&e))?)
                .map_err(|e| cannot_open(&e))?;
        let reads = target.clone();
        let pool = ReadPool::new(move || reads.open(false)).map_err(|e| cannot_open(&e))?;
        let sqlx = SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(0)
            .test_before_acquire(false)
            .connect_lazy_with(options);
        let commits = Arc::new(AtomicU64::new(0));
        let writer = writer::spawn(write_conn, checkpointer, commits.clone());
        Ok(Db {
            pool,
            sqlx,
            writer,
            commits,
            _temp: temp,
        })
    }

    /// A lease on the write connection for one unit of the current (or next) batch; waits for
    /// the units ahead of it.
    pub async fn write(&self) -> Result<WriteTx, Error> {
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
    pub async fn solo(&self) -> Result<Solo, Error> {
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
        self.pool.close();
        self.sqlx.close().await;
    }
}

/// Where the rusqlite connections open, and how.
#[derive(Clone)]
struct Target {
    path: std::path::PathBuf,
    /// `synchronous = NORMAL` (a file the user keeps) or `OFF` (`--in-memory`).
    durable: bool,
}

impl Target {
    fn open(&self, writer: bool) -> Result<Conn, Error> {
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Conn::open_with_flags(&self.path, flags)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // Per connection, as sqlx's options set them (the journal mode, WAL, is the file's).
        let mut pragmas = String::from("PRAGMA foreign_keys = ON;");
        pragmas.push_str(if self.durable {
            "PRAGMA synchronous = NORMAL;"
        } else {
            "PRAGMA synchronous = OFF;"
        });
        if writer {
            // The checkpointer thread copies the WAL into the file; the writer never does.
            // The savepoint journal of the units stays in memory (by default it spills to a
            // temporary file past 64 KiB, and a batch's units then write through syscalls).
            pragmas.push_str("PRAGMA wal_autocheckpoint = 0; PRAGMA temp_store = MEMORY;");
        } else {
            // A read connection that tries to write fails instead of taking the write lock.
            pragmas.push_str("PRAGMA query_only = ON;");
        }
        conn.execute_batch(&pragmas)?;
        Ok(conn)
    }
}

pub async fn get_meta(conn: &mut Conn, key: &str) -> Result<Option<String>, Error> {
    sql::query_scalar("SELECT value FROM meta WHERE key = ?")
        .bind(key)
        .fetch_optional(conn)
        .await
}

pub async fn set_meta(conn: &mut Conn, key: &str, value: &str) -> Result<(), Error> {
    sql::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        .bind(key)
        .bind(value)
        .execute(conn)
        .await?;
    Ok(())
}

/// Every table that holds API data (all but `meta` and sqlx's own), for `/_mock/reset`.
pub async fn data_tables(conn: &mut Conn) -> Result<Vec<String>, Error> {
    sql::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('meta') \
         AND name NOT LIKE '_sqlx%' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(conn)
    .await
}
