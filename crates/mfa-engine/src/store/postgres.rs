//! The PostgreSQL backend of [`FlowStore`], for apps with more than one replica: every replica
//! opens its own pool on the same database and the flows are shared. Same table, same CHECK
//! rules as SQLite (migrations in `migrations/engine-postgres`, flags as BOOLEAN), same
//! compare-and-set: `UPDATE ... WHERE flow_id = $25 AND version = $26`. Under READ COMMITTED
//! a second concurrent UPDATE of the row waits for the first to commit, then re-checks the
//! `version` condition against the new row and matches nothing, so of two replicas that read
//! the same version exactly one advances the flow. One statement per successful transition.
//! Must never log rows or bound values (they hold session secrets).

use std::str::FromStr;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use stytch_client::secret::ExposeSecretStr;

use super::columns::{Statements, bind_record, parse_id, read_record};
use super::{FlowRecord, FlowStore, FlowUpdate, NewFlow, StoreError};
use crate::flow::FlowId;

/// The engine's Postgres migrations, embedded at compile time.
pub use super::migrations::POSTGRES as POSTGRES_MIGRATOR;

static SQL: LazyLock<Statements> = LazyLock::new(|| Statements::new(|n| format!("${n}")));

#[derive(Clone, Debug)]
pub struct PgFlowStore {
    pool: PgPool,
}

impl PgFlowStore {
    /// Connect to `url` (`postgres://user@host/db`, or a unix socket with `?host=/dir`) with a
    /// pool of up to `max_connections`, and run the migrations.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections)
            .connect_with(options)
            .await?;
        Self::from_pool(pool).await
    }

    /// Use an existing pool; runs the migrations (safe from several replicas at once: sqlx
    /// takes an advisory lock around them).
    pub async fn from_pool(pool: PgPool) -> Result<Self, StoreError> {
        POSTGRES_MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(Box::new(e)))?;
        Ok(PgFlowStore { pool })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
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

impl FlowStore for PgFlowStore {
    async fn insert(&self, new: &NewFlow) -> Result<(), StoreError> {
        let r = new.record();
        match bind_record!(sqlx::query(&SQL.insert), r)
            .execute(&self.pool)
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
            .execute(&self.pool)
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
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        Err(self.stale_or_missing(id).await)
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = sqlx::query(&SQL.purge)
            .bind(now.timestamp())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
