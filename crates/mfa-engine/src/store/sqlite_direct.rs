//! The SQLite file store's statements, run on the calling thread: two `rusqlite` connections
//! to the file (one read-only, one for writes), each behind a mutex. Through sqlx every
//! statement was a round trip to the connection's worker thread, a futex wake each way, and
//! those wake-ups were most of a transition's time (BENCHMARKS.md, "The engine: persisted flow
//! transitions"); here a transition is its two statements and nothing else.
//!
//! Blocking, on purpose and bounded: a statement holds its mutex for its own microseconds and
//! never across an `.await`, so no task can wait on a lock held by a parked task. What can block
//! a runtime thread longer is another *process* holding the database's write lock: SQLite's busy
//! handler then sleeps up to [`BUSY_TIMEOUT`]. WAL readers never wait for writers. Apps with
//! several processes on one file and heavy writes should use the Postgres store.
//! Must never log a row or a bound value (they hold session secrets).

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, Value};
use rusqlite::{Connection, ErrorCode, OpenFlags, params_from_iter};
use stytch_client::secret::ExposeSecretStr;

use super::columns::{COLUMNS, Statements, parse_id, read_record};
use super::{FlowRecord, StoreError};
use crate::flow::FlowId;

/// How long a statement waits for another connection's write lock (as the sqlx pool's option).
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub(super) struct Direct {
    reader: Mutex<Connection>,
    writer: Mutex<Connection>,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, Some(msg)) = &e
            && f.code == ErrorCode::ConstraintViolation
            && msg.contains("CHECK constraint")
        {
            return StoreError::Rejected(msg.clone());
        }
        StoreError::Backend(Box::new(e))
    }
}

fn lock(conn: &Mutex<Connection>) -> std::sync::MutexGuard<'_, Connection> {
    conn.lock().unwrap_or_else(|p| p.into_inner())
}

/// Every column of `r`, in [`COLUMNS`] order (what `bind_record!` binds for sqlx), borrowed.
fn params(r: &FlowRecord) -> Vec<ToSqlOutput<'_>> {
    fn text(s: Option<&str>) -> ToSqlOutput<'_> {
        s.map_or(ToSqlOutput::Owned(Value::Null), ToSqlOutput::from)
    }
    fn int(i: Option<i64>) -> ToSqlOutput<'static> {
        ToSqlOutput::Owned(i.map_or(Value::Null, Value::Integer))
    }
    let flag = |b: Option<bool>| int(b.map(i64::from));
    let v = vec![
        text(Some(&r.flow_id)),
        int(Some(r.version)),
        text(Some(r.state.as_str())),
        text(Some(&r.organization_id)),
        text(Some(&r.member_id)),
        flag(Some(r.sms_allowed)),
        flag(Some(r.totp_allowed)),
        int(Some(r.created_at)),
        int(Some(r.expires_at)),
        text(
            r.intermediate_session_token
                .as_ref()
                .map(|t| t.expose_secret()),
        ),
        text(r.session_token.as_ref().map(|t| t.expose_secret())),
        text(r.session_jwt.as_ref().map(|t| t.expose_secret())),
        text(r.member_session_id.as_deref()),
        flag(r.sms_enrolled),
        flag(r.totp_enrolled),
        text(r.phone_number.as_deref()),
        flag(r.offer_sms),
        flag(r.offer_totp),
        text(r.enroll_method.as_deref()),
        text(r.totp_registration_id.as_deref()),
        flag(r.set_mfa_enrollment),
        text(r.challenge_method.as_deref()),
        flag(r.sms_sent),
        int(r.failures),
    ];
    debug_assert_eq!(v.len(), COLUMNS.len());
    v
}

impl Direct {
    /// Open both connections; the caller has created the file, set WAL mode and migrated it.
    pub fn open(path: &Path) -> rusqlite::Result<Direct> {
        let open = |flags| -> rusqlite::Result<Connection> {
            let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
            conn.busy_timeout(BUSY_TIMEOUT)?;
            conn.set_prepared_statement_cache_capacity(8);
            Ok(conn)
        };
        let writer = open(OpenFlags::SQLITE_OPEN_READ_WRITE)?;
        // The file's journal mode is WAL already; synchronous is per connection (module doc of
        // `super::sqlite` says why NORMAL).
        writer.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(Direct {
            reader: Mutex::new(open(OpenFlags::SQLITE_OPEN_READ_ONLY)?),
            writer: Mutex::new(writer),
        })
    }

    pub fn load(&self, sql: &Statements, id: FlowId) -> Result<FlowRecord, StoreError> {
        let key = id.to_string();
        let conn = lock(&self.reader);
        let mut stmt = conn.prepare_cached(&sql.select)?;
        let mut rows = stmt.query([&key])?;
        let row = rows.next()?.ok_or(StoreError::NotFound(id))?;
        read_record!(
            row,
            get,
            rusqlite::Error,
            |column: &str, message: String| {
                rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    format!("{column}: {message}").into(),
                )
            }
        )
        .map_err(|e| StoreError::Corrupt {
            id: key,
            reason: e.to_string(),
        })
    }

    pub fn insert(&self, sql: &Statements, r: &FlowRecord) -> Result<(), StoreError> {
        let conn = lock(&self.writer);
        let bound = params_from_iter(params(r));
        match conn.prepare_cached(&sql.insert)?.execute(bound) {
            Ok(_) => Ok(()),
            Err(rusqlite::Error::SqliteFailure(f, _))
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                    || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
            {
                Err(StoreError::Duplicate(parse_id(&r.flow_id)?))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The compare-and-set: `Ok(true)` when the row at `expected_version` was replaced.
    pub fn update(
        &self,
        sql: &Statements,
        r: &FlowRecord,
        expected_version: i64,
    ) -> Result<bool, StoreError> {
        let mut bound = params(r);
        bound.push(ToSqlOutput::from(r.flow_id.as_str()));
        bound.push(ToSqlOutput::from(expected_version));
        let conn = lock(&self.writer);
        let n = conn
            .prepare_cached(&sql.update)?
            .execute(params_from_iter(bound))?;
        Ok(n == 1)
    }

    /// `Ok(true)` when the row at `expected_version` was deleted.
    pub fn delete(
        &self,
        sql: &Statements,
        id: FlowId,
        expected_version: i64,
    ) -> Result<bool, StoreError> {
        let conn = lock(&self.writer);
        let n = conn
            .prepare_cached(&sql.delete)?
            .execute(rusqlite::params![id.to_string(), expected_version])?;
        Ok(n == 1)
    }

    pub fn purge(&self, sql: &Statements, now: i64) -> Result<u64, StoreError> {
        let conn = lock(&self.writer);
        let n = conn.prepare_cached(&sql.purge)?.execute([now])?;
        Ok(n as u64)
    }

    /// After a lost compare-and-set: was the row changed, or is it gone?
    pub fn exists(&self, sql: &Statements, id: FlowId) -> Result<bool, StoreError> {
        let conn = lock(&self.reader);
        let n: i64 = conn
            .prepare_cached(&sql.exists)?
            .query_row([id.to_string()], |row| row.get(0))?;
        Ok(n > 0)
    }
}
