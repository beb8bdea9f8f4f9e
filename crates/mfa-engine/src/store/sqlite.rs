//! The SQLite backend of [`FlowStore`]: one table, `login_flows`, created by the migrations in
//! `migrations/engine`. WAL mode and a busy timeout let several connections (and processes)
//! share one file; compare-and-set is a plain `UPDATE ... WHERE version = ?`, one statement per
//! successful transition (the row count says whether it won; only a lost one asks why). Writes
//! go through one connection of their own, reads through a pool.
//!
//! Speed (issue 19, BENCHMARKS.md "The engine: persisted flow transitions"): every statement is
//! a round trip to sqlx's worker thread of the connection, so the store does no more of them
//! than it must: no liveness ping per pool checkout (`test_before_acquire(false)`; a file
//! connection has no peer that could go away), statements prepared once per connection (sqlx's
//! cache, SQL strings built once). `synchronous = NORMAL` (the usual WAL setting): a commit
//! survives the process dying at any moment (tests/crash.rs SIGKILLs a writer); only a power
//! loss or OS crash can drop the last commits, which for a login flow means the member types a
//! code again. FULL made every transition wait for an fsync (~680 transitions/s here).
//! Must never log rows or bound values (they hold session secrets).

use std::path::Path;
use std::str::FromStr;
use std::sync::LazyLock;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use stytch_client::secret::ExposeSecretStr;

use super::columns::{Statements, bind_record, parse_id, read_record};
use super::{FlowRecord, FlowStore, FlowUpdate, NewFlow, StoreError};
use crate::flow::FlowId;

/// The engine's migrations, embedded at compile time.
pub use super::migrations::SQLITE as MIGRATOR;

/// Connections for reads. Each sqlx SQLite connection is a worker thread; a read is a
/// primary-key lookup of microseconds, so the cost is the hand-off, and more threads only add
/// context switches (BENCHMARKS.md: 1 reader beat 2 and 4 on the 2-core box, eight flows at once).
const READ_CONNECTIONS: u32 = 1;

static SQL: LazyLock<Statements> = LazyLock::new(|| Statements::new(|_| "?".to_owned()));

#[derive(Clone, Debug)]
pub struct SqliteFlowStore {
    /// Reads (WAL: readers never wait for the writer).
    pub(super) pool: SqlitePool,
    /// Writes: one connection, so this process's writers queue here (an async wait) instead of
    /// meeting SQLite's write lock and sleeping in its busy handler (1 ms and up per retry).
    pub(super) writer: SqlitePool,
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        if let Some(db) = e.as_database_error()
            && (db.is_check_violation() || db.message().contains("CHECK constraint"))
        {
            return StoreError::Rejected(db.message().to_owned());
        }
        StoreError::Backend(Box::new(e))
    }
}

impl SqliteFlowStore {
    /// Open (creating if missing) a database file and run the migrations.
    pub async fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::new()
            .filename(path.as_ref())
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(5));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        migrate(&writer).await?;
        let pool = SqlitePoolOptions::new()
            .max_connections(READ_CONNECTIONS)
            .test_before_acquire(false)
            .connect_with(options)
            .await?;
        Ok(SqliteFlowStore { pool, writer })
    }

    /// A private in-memory database (one connection, so every query sees the same data).
    pub async fn in_memory() -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?;
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        Self::from_pool(pool).await
    }

    /// Use an existing pool (e.g. shared with the app) for reads and writes; runs the
    /// migrations.
    pub async fn from_pool(pool: SqlitePool) -> Result<Self, StoreError> {
        migrate(&pool).await?;
        Ok(SqliteFlowStore {
            writer: pool.clone(),
            pool,
        })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }

    /// After a compare-and-set matched nothing: was the row changed, or is it gone?
    async fn stale_or_missing(&self, id: FlowId) -> StoreError {
        let n: Result<i64, _> = sqlx::query_scalar(&SQL.exists)
            .bind(id.to_string())
            .fetch_one(&self.pool)
            .await;
        match n {
            Ok(0) => StoreError::NotFound(id),
            Ok(_) => StoreError::Stale(id),
            Err(e) => e.into(),
        }
    }
}

async fn migrate(pool: &SqlitePool) -> Result<(), StoreError> {
    MIGRATOR
        .run(pool)
        .await
        .map_err(|e| StoreError::Backend(Box::new(e)))
}

impl FlowStore for SqliteFlowStore {
    async fn insert(&self, new: &NewFlow) -> Result<(), StoreError> {
        let r = new.record();
        match bind_record!(sqlx::query(&SQL.insert), r)
            .execute(&self.writer)
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if e.as_database_error()
                    .is_some_and(|d| d.is_unique_violation()) =>
            {
                Err(StoreError::Duplicate(parse_id(&r.flow_id)?))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn load(&self, id: FlowId) -> Result<FlowRecord, StoreError> {
        let row = sqlx::query(&SQL.select)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound(id))?;
        read_record!(&row).map_err(|e| StoreError::Corrupt {
            id: id.to_string(),
            reason: e.to_string(),
        })
    }

    async fn update(&self, change: &FlowUpdate) -> Result<(), StoreError> {
        let r = change.record();
        let done = bind_record!(sqlx::query(&SQL.update), r)
            .bind(&r.flow_id)
            .bind(change.expected_version())
            .execute(&self.writer)
            .await?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        Err(self.stale_or_missing(parse_id(&r.flow_id)?).await)
    }

    async fn delete(&self, id: FlowId, expected_version: i64) -> Result<(), StoreError> {
        let done = sqlx::query(&SQL.delete)
            .bind(id.to_string())
            .bind(expected_version)
            .execute(&self.writer)
            .await?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        Err(self.stale_or_missing(id).await)
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = sqlx::query(&SQL.purge)
            .bind(now.timestamp())
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected())
    }
}
