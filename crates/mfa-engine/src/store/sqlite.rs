//! The SQLite backend of [`FlowStore`]: one table, `login_flows`, created by the migrations in
//! `migrations/engine`. WAL mode and a busy timeout let several connections (and processes)
//! share one file; compare-and-set is a plain `UPDATE ... WHERE version = ?`, one statement per
//! successful transition (the row count says whether it won; only a lost one asks why). Writes
//! go through one sqlx connection of their own; reads of a file store run on the calling
//! thread ([`super::sqlite_read`]).
//!
//! Speed (issue 19, BENCHMARKS.md "The engine: persisted flow transitions"): every sqlx
//! statement is a round trip to the connection's worker thread, so a transition makes one (its
//! compare-and-set UPDATE): the load before it is a direct read, no liveness ping per pool
//! checkout (`test_before_acquire(false)`; a file connection has no peer that could go away),
//! statements prepared once per connection, SQL strings built once. `synchronous = NORMAL`
//! (the usual WAL setting): a commit
//! survives the process dying at any moment (tests/crash.rs SIGKILLs a writer); only a power
//! loss or OS crash can drop the last commits, which for a login flow means the member types a
//! code again. FULL made every transition wait for an fsync (~680 transitions/s here).
//! Must never log rows or bound values (they hold session secrets).

use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use stytch_client::secret::ExposeSecretStr;

use super::columns::{Statements, bind_record, parse_id, read_record};
use super::sqlite_read::{DirectReader, ReadError};
use super::{FlowRecord, FlowStore, FlowUpdate, NewFlow, StoreError};
use crate::flow::FlowId;

/// The engine's migrations, embedded at compile time.
pub use super::migrations::SQLITE as MIGRATOR;

static SQL: LazyLock<Statements> = LazyLock::new(|| Statements::new(|_| "?".to_owned()));

#[derive(Clone, Debug)]
pub struct SqliteFlowStore {
    /// Writes: one connection, so this process's writers queue here (an async wait) instead of
    /// meeting SQLite's write lock and sleeping in its busy handler (1 ms and up per retry).
    /// Also the reads of an in-memory store, and a direct read's fallback when SQLite is busy.
    pub(super) writer: SqlitePool,
    /// Reads of a file store, on the calling thread (WAL: they never wait for the writer).
    pub(super) reader: Option<Arc<DirectReader>>,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Backend(Box::new(e))
    }
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
        let reader = DirectReader::open(path.as_ref())?;
        Ok(SqliteFlowStore {
            writer,
            reader: Some(Arc::new(reader)),
        })
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
            writer: pool,
            reader: None,
        })
    }

    /// The sqlx pool the store writes through (tests seed and inspect rows with it).
    pub fn pool(&self) -> &SqlitePool {
        &self.writer
    }

    pub async fn close(&self) {
        self.writer.close().await;
    }

    /// After a compare-and-set matched nothing: was the row changed, or is it gone?
    async fn stale_or_missing(&self, id: FlowId) -> StoreError {
        let key = id.to_string();
        let exists = match self.reader.as_deref().map(|r| r.exists(&SQL, &key)) {
            Some(Ok(exists)) => Ok(exists),
            Some(Err(ReadError::Failed(e))) => return e.into(),
            Some(Err(ReadError::Busy)) | None => sqlx::query_scalar::<_, i64>(&SQL.exists)
                .bind(&key)
                .fetch_one(&self.writer)
                .await
                .map(|n| n > 0),
        };
        match exists {
            Ok(false) => StoreError::NotFound(id),
            Ok(true) => StoreError::Stale(id),
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
        let key = id.to_string();
        match self.reader.as_deref().map(|r| r.load(&SQL, &key)) {
            Some(Ok(found)) => return found.ok_or(StoreError::NotFound(id)),
            Some(Err(ReadError::Failed(
                e @ (rusqlite::Error::FromSqlConversionFailure(..)
                | rusqlite::Error::InvalidColumnType(..)
                | rusqlite::Error::IntegralValueOutOfRange(..)),
            ))) => {
                return Err(StoreError::Corrupt {
                    id: key,
                    reason: e.to_string(),
                });
            }
            Some(Err(ReadError::Failed(e))) => return Err(e.into()),
            Some(Err(ReadError::Busy)) | None => {}
        }
        let row = sqlx::query(&SQL.select)
            .bind(&key)
            .fetch_optional(&self.writer)
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
