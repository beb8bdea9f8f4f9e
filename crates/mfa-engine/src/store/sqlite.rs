//! The SQLite backend of [`FlowStore`]: one table, `login_flows`, created by the migrations in
//! `migrations/engine`. WAL mode and a busy timeout let several connections (and processes)
//! share one file; compare-and-set is a plain `UPDATE ... WHERE version = ?`, one statement per
//! successful transition (the row count says whether it won; only a lost one asks why).
//!
//! Speed (issue 19, BENCHMARKS.md "The engine: persisted flow transitions"): a file store runs
//! its statements on the calling thread ([`super::sqlite_direct`], which says what that may
//! block); sqlx, whose every statement is a round trip to a worker thread, opens the file and
//! runs the migrations, and serves in-memory stores and stores built on an app's pool. SQL
//! strings are built once, statements prepared once per connection. `synchronous = NORMAL`
//! (the usual WAL setting): a commit survives the process dying at any moment (tests/crash.rs
//! SIGKILLs a writer); only a power loss or OS crash can drop the last commits, which for a
//! login flow means the member types a code again. FULL made every transition wait for an fsync (~680 transitions/s here).
//! Must never log rows or bound values (they hold session secrets).

use std::path::Path;
use std::str::FromStr;
use std::sync::{Arc, LazyLock};

use chrono::{DateTime, Utc};
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use stytch_client::secret::ExposeSecretStr;

use super::columns::{Statements, bind_record, parse_id, read_record};
use super::sqlite_direct::{BUSY_TIMEOUT, Direct};
use super::{FlowRecord, FlowStore, FlowUpdate, NewFlow, StoreError};
use crate::flow::FlowId;

/// The engine's migrations, embedded at compile time.
pub use super::migrations::SQLITE as MIGRATOR;

static SQL: LazyLock<Statements> = LazyLock::new(|| Statements::new(|_| "?".to_owned()));

#[derive(Clone, Debug)]
pub struct SqliteFlowStore {
    /// sqlx: the migrations, every statement of an in-memory or app-pool store, and what tests
    /// seed and inspect rows through ([`SqliteFlowStore::pool`]).
    pub(super) writer: SqlitePool,
    /// A file store's statements on the calling thread.
    pub(super) direct: Option<Arc<Direct>>,
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
            .busy_timeout(BUSY_TIMEOUT);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await?;
        migrate(&writer).await?;
        let direct = Direct::open(path.as_ref())?;
        Ok(SqliteFlowStore {
            writer,
            direct: Some(Arc::new(direct)),
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
            direct: None,
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
        let exists = match self.direct.as_deref() {
            Some(direct) => direct.exists(&SQL, id),
            None => sqlx::query_scalar::<_, i64>(&SQL.exists)
                .bind(id.to_string())
                .fetch_one(&self.writer)
                .await
                .map(|n| n > 0)
                .map_err(StoreError::from),
        };
        match exists {
            Ok(false) => StoreError::NotFound(id),
            Ok(true) => StoreError::Stale(id),
            Err(e) => e,
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
        if let Some(direct) = self.direct.as_deref() {
            return direct.insert(&SQL, r);
        }
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
        if let Some(direct) = self.direct.as_deref() {
            return direct.load(&SQL, id);
        }
        let row = sqlx::query(&SQL.select)
            .bind(id.to_string())
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
        let replaced = match self.direct.as_deref() {
            Some(direct) => direct.update(&SQL, r, change.expected_version())?,
            None => {
                bind_record!(sqlx::query(&SQL.update), r)
                    .bind(&r.flow_id)
                    .bind(change.expected_version())
                    .execute(&self.writer)
                    .await?
                    .rows_affected()
                    == 1
            }
        };
        if replaced {
            return Ok(());
        }
        Err(self.stale_or_missing(parse_id(&r.flow_id)?).await)
    }

    async fn delete(&self, id: FlowId, expected_version: i64) -> Result<(), StoreError> {
        let deleted = match self.direct.as_deref() {
            Some(direct) => direct.delete(&SQL, id, expected_version)?,
            None => {
                sqlx::query(&SQL.delete)
                    .bind(id.to_string())
                    .bind(expected_version)
                    .execute(&self.writer)
                    .await?
                    .rows_affected()
                    == 1
            }
        };
        if deleted {
            return Ok(());
        }
        Err(self.stale_or_missing(id).await)
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        if let Some(direct) = self.direct.as_deref() {
            return direct.purge(&SQL, now.timestamp());
        }
        let done = sqlx::query(&SQL.purge)
            .bind(now.timestamp())
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected())
    }
}
