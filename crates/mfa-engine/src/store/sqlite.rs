//! The SQLite backend of [`FlowStore`]: one table, `login_flows`, created by the migrations in
//! `migrations/engine`. WAL mode and a busy timeout let several connections (and processes)
//! share one file; compare-and-set is a plain `UPDATE ... WHERE version = ?`. `synchronous =
//! NORMAL` (the usual WAL setting): a commit survives the process dying at any moment; only a
//! power loss or OS crash can drop the last commits, which for a login flow means the member
//! types a code again. FULL made every transition wait for an fsync (~680 transitions/s here).
//! Must never log rows or bound values (they hold session secrets).

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, SqlitePool};
use stytch_client::secret::ExposeSecretStr;

use super::{FlowRecord, FlowStore, FlowUpdate, NewFlow, StoreError, StoredState};
use crate::flow::FlowId;

/// The engine's migrations, embedded at compile time.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../../migrations/engine");

#[derive(Clone, Debug)]
pub struct SqliteFlowStore {
    pub(super) pool: SqlitePool,
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
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        Self::from_pool(pool).await
    }

    /// A private in-memory database (one connection, so every query sees the same data).
    pub async fn in_memory() -> Result<Self, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")?;
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await?;
        Self::from_pool(pool).await
    }

    /// Use an existing pool (e.g. shared with the app); runs the migrations.
    pub async fn from_pool(pool: SqlitePool) -> Result<Self, StoreError> {
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Backend(Box::new(e)))?;
        Ok(SqliteFlowStore { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

const COLUMNS: &str = "flow_id, version, state, organization_id, member_id, sms_allowed, \
    totp_allowed, created_at, expires_at, intermediate_session_token, session_token, \
    session_jwt, member_session_id, sms_enrolled, totp_enrolled, phone_number, offer_sms, \
    offer_totp, enroll_method, totp_registration_id, set_mfa_enrollment, challenge_method, \
    sms_sent, failures";

/// Bind every column, in `COLUMNS` order.
fn bind_all<'q>(
    q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>>,
    r: &'q FlowRecord,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments<'q>> {
    q.bind(&r.flow_id)
        .bind(r.version)
        .bind(r.state.as_str())
        .bind(&r.organization_id)
        .bind(&r.member_id)
        .bind(r.sms_allowed)
        .bind(r.totp_allowed)
        .bind(r.created_at)
        .bind(r.expires_at)
        .bind(
            r.intermediate_session_token
                .as_ref()
                .map(|t| t.expose_secret()),
        )
        .bind(r.session_token.as_ref().map(|t| t.expose_secret()))
        .bind(r.session_jwt.as_ref().map(|t| t.expose_secret()))
        .bind(&r.member_session_id)
        .bind(r.sms_enrolled)
        .bind(r.totp_enrolled)
        .bind(&r.phone_number)
        .bind(r.offer_sms)
        .bind(r.offer_totp)
        .bind(&r.enroll_method)
        .bind(&r.totp_registration_id)
        .bind(r.set_mfa_enrollment)
        .bind(&r.challenge_method)
        .bind(r.sms_sent)
        .bind(r.failures)
}

fn read_row(row: &SqliteRow) -> Result<FlowRecord, sqlx::Error> {
    let state: String = row.try_get("state")?;
    let flow_id: String = row.try_get("flow_id")?;
    let state = StoredState::parse(&state).ok_or_else(|| sqlx::Error::ColumnDecode {
        index: "state".into(),
        source: format!("unknown state {state:?} in flow {flow_id}").into(),
    })?;
    Ok(FlowRecord {
        flow_id,
        version: row.try_get("version")?,
        state,
        organization_id: row.try_get("organization_id")?,
        member_id: row.try_get("member_id")?,
        sms_allowed: row.try_get("sms_allowed")?,
        totp_allowed: row.try_get("totp_allowed")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        intermediate_session_token: row
            .try_get::<Option<String>, _>("intermediate_session_token")?
            .map(Into::into),
        session_token: row
            .try_get::<Option<String>, _>("session_token")?
            .map(Into::into),
        session_jwt: row
            .try_get::<Option<String>, _>("session_jwt")?
            .map(Into::into),
        member_session_id: row.try_get("member_session_id")?,
        sms_enrolled: row.try_get("sms_enrolled")?,
        totp_enrolled: row.try_get("totp_enrolled")?,
        phone_number: row.try_get("phone_number")?,
        offer_sms: row.try_get("offer_sms")?,
        offer_totp: row.try_get("offer_totp")?,
        enroll_method: row.try_get("enroll_method")?,
        totp_registration_id: row.try_get("totp_registration_id")?,
        set_mfa_enrollment: row.try_get("set_mfa_enrollment")?,
        challenge_method: row.try_get("challenge_method")?,
        sms_sent: row.try_get("sms_sent")?,
        failures: row.try_get("failures")?,
    })
}

impl SqliteFlowStore {
    async fn exists(&self, id: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_flows WHERE flow_id = ?")
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
        Ok(n > 0)
    }
}

fn parse_id(s: &str) -> Result<FlowId, StoreError> {
    FlowId::parse(s).ok_or_else(|| StoreError::Corrupt {
        id: s.to_owned(),
        reason: "flow_id is not a UUID".into(),
    })
}

impl FlowStore for SqliteFlowStore {
    async fn insert(&self, new: &NewFlow) -> Result<(), StoreError> {
        let r = new.record();
        let placeholders = vec!["?"; COLUMNS.split(", ").count()].join(", ");
        let sql = format!("INSERT INTO login_flows ({COLUMNS}) VALUES ({placeholders})");
        match bind_all(sqlx::query(&sql), r).execute(&self.pool).await {
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
        let sql = format!("SELECT {COLUMNS} FROM login_flows WHERE flow_id = ?");
        let row = sqlx::query(&sql)
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        let row = row.ok_or(StoreError::NotFound(id))?;
        read_row(&row).map_err(|e| StoreError::Corrupt {
            id: id.to_string(),
            reason: e.to_string(),
        })
    }

    async fn update(&self, change: &FlowUpdate) -> Result<(), StoreError> {
        let r = change.record();
        let assignments = COLUMNS
            .split(", ")
            .map(|c| format!("{} = ?", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!("UPDATE login_flows SET {assignments} WHERE flow_id = ? AND version = ?");
        let done = bind_all(sqlx::query(&sql), r)
            .bind(&r.flow_id)
            .bind(change.expected_version())
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        let id = parse_id(&r.flow_id)?;
        if self.exists(&r.flow_id).await? {
            Err(StoreError::Stale(id))
        } else {
            Err(StoreError::NotFound(id))
        }
    }

    async fn delete(&self, id: FlowId, expected_version: i64) -> Result<(), StoreError> {
        let done = sqlx::query("DELETE FROM login_flows WHERE flow_id = ? AND version = ?")
            .bind(id.to_string())
            .bind(expected_version)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        if self.exists(&id.to_string()).await? {
            Err(StoreError::Stale(id))
        } else {
            Err(StoreError::NotFound(id))
        }
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM login_flows WHERE expires_at <= ?")
            .bind(now.timestamp())
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}
