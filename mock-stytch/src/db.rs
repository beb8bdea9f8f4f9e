//! The SQLite store: opening it (WAL, migrations from `migrations/mock/`), the `meta` key/value
//! table, and [`WriteTx`], the only way handlers write.
//!
//! Writes are serialised behind one async mutex: SQLite has a single writer anyway, holding the
//! lock turns "check then consume" (a code, a token) into one atomic step, and it makes the order
//! of generated ids follow the order of requests. A handler must never write outside a `WriteTx`,
//! and must keep CPU-heavy work (password hashes, RS256 signatures, QR images) out of one: work
//! that belongs after the commit takes the [`Committed`] proof that [`WriteTx::commit`] returns.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqliteConnection, SqlitePool, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::config::DbLocation;
use crate::ids::Ids;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations/mock");

#[derive(Clone, Debug)]
pub struct Db {
    pub pool: SqlitePool,
    write_lock: Arc<Mutex<()>>,
}

/// One serialised write transaction. Dropping it without [`WriteTx::commit`] rolls back.
pub struct WriteTx {
    tx: Transaction<'static, Sqlite>,
    _guard: OwnedMutexGuard<()>,
}

impl std::ops::Deref for WriteTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.tx
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
    /// Commit, persisting the id counter in the same transaction so a restart resumes after it.
    /// The write lock is released when this returns.
    pub async fn commit(mut self, ids: &Ids) -> Result<Committed, sqlx::Error> {
        set_meta(&mut self.tx, "id_counter", &ids.counter().to_string()).await?;
        self.tx.commit().await?;
        Ok(Committed(()))
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
                8,
            ),
            // One connection: a private in-memory database lives and dies with its connection.
            DbLocation::Memory => (
                SqliteConnectOptions::from_str("sqlite::memory:")?.foreign_keys(true),
                1,
            ),
        };
        // Switch to WAL and migrate over one connection first: doing it while the pool opens
        // several connections at once can meet "database is locked" on a brand-new file.
        if let DbLocation::File(_) = location {
            let first = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(options.clone())
                .await
                .map_err(|e| anyhow::anyhow!("cannot open database {location:?}: {e}"))?;
            MIGRATOR
                .run(&first)
                .await
                .map_err(|e| anyhow::anyhow!("cannot migrate database {location:?}: {e}"))?;
            first.close().await;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(max)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(|e| anyhow::anyhow!("cannot open database {location:?}: {e}"))?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| anyhow::anyhow!("cannot migrate database {location:?}: {e}"))?;
        Ok(Db {
            pool,
            write_lock: Arc::new(Mutex::new(())),
        })
    }

    /// Begin the one write transaction that may run now (waits for the current one).
    pub async fn write(&self) -> Result<WriteTx, sqlx::Error> {
        let guard = self.write_lock.clone().lock_owned().await;
        let tx = self.pool.begin().await?;
        Ok(WriteTx { tx, _guard: guard })
    }

    /// Checkpoint the WAL into the main file, then close every connection: a cleanly stopped
    /// mock leaves one self-contained database file behind.
    pub async fn close(&self) {
        let _guard = self.write_lock.lock().await;
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&self.pool)
            .await
        {
            tracing::warn!(error = %e, "WAL checkpoint at shutdown failed");
        }
        self.pool.close().await;
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
