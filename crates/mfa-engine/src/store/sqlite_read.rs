//! Reads of the SQLite store on the calling thread: a read-only `rusqlite` connection to the
//! same file, behind a mutex. A read is a primary-key lookup of a few microseconds; through sqlx
//! it was a round trip to the connection's worker thread (a futex wake each way), which cost
//! more than the lookup and half of every transition's time (BENCHMARKS.md, "The engine:
//! persisted flow transitions"). Writes stay on sqlx's writer: they can wait for another
//! process's write lock, and that wait must not block a runtime thread.
//!
//! WAL mode: a reader never waits for a writer, so the mutex is held for the lookup only. When
//! SQLite still answers busy (a checkpoint or recovery by another process), the caller falls
//! back to the async path instead of sleeping here. Must never log a row or a bound value.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, ErrorCode, OpenFlags};

use super::FlowRecord;
use super::columns::{Statements, read_record};

/// A read-only connection used from whichever thread calls.
#[derive(Debug)]
pub(super) struct DirectReader {
    conn: Mutex<Connection>,
}

/// What a direct read could not do: the database was busy (retry on the async path), or failed.
pub(super) enum ReadError {
    Busy,
    Failed(rusqlite::Error),
}

impl From<rusqlite::Error> for ReadError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => ReadError::Busy,
            _ => ReadError::Failed(e),
        }
    }
}

impl DirectReader {
    /// Open `path` read-only; the writer has created the file and set WAL mode already.
    pub fn open(path: &Path) -> rusqlite::Result<DirectReader> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // No busy wait on a runtime thread: busy goes back to the caller (see the module doc).
        conn.busy_timeout(std::time::Duration::ZERO)?;
        conn.set_prepared_statement_cache_capacity(8);
        Ok(DirectReader {
            conn: Mutex::new(conn),
        })
    }

    /// The row of `id`, if there is one.
    pub fn load(&self, sql: &Statements, id: &str) -> Result<Option<FlowRecord>, ReadError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let mut stmt = conn.prepare_cached(&sql.select)?;
        let mut rows = stmt.query([id])?;
        let Some(row) = rows.next()? else {
            return Ok(None);
        };
        let record = read_record!(
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
        )?;
        Ok(Some(record))
    }

    /// Whether a row `id` exists (after a lost compare-and-set: changed, or gone?).
    pub fn exists(&self, sql: &Statements, id: &str) -> Result<bool, ReadError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let mut stmt = conn.prepare_cached(&sql.exists)?;
        let n: i64 = stmt.query_row([id], |row| row.get(0))?;
        Ok(n > 0)
    }
}
