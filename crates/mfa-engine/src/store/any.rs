//! A flow store chosen at run time, for an app's `--flow-store` flag: [`FlowStoreLocation`]
//! parses what the user typed (a Postgres URL, `sqlite:PATH`, `sqlite::memory:`, or a plain
//! path) and [`AnyFlowStore`] is whichever backend it names, behind the same [`FlowStore`]
//! trait (which is not object safe, so an enum rather than a `dyn`). Must never print a
//! Postgres password: [`FlowStoreLocation`]'s `Display` hides it.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use super::{FlowRecord, FlowStore, FlowUpdate, NewFlow, PgFlowStore, SqliteFlowStore, StoreError};
use crate::flow::FlowId;

/// Connections one replica's Postgres pool opens at most.
pub const POSTGRES_POOL_SIZE: u32 = 8;

/// Where login flows live.
#[derive(Clone, PartialEq, Eq)]
pub enum FlowStoreLocation {
    /// A SQLite file (created if missing): one process, or several on one machine.
    SqliteFile(PathBuf),
    /// A private in-memory SQLite database: gone when the process ends.
    SqliteMemory,
    /// A PostgreSQL database (`postgres://` or `postgresql://` URL): shared by every replica.
    Postgres(String),
}

impl FromStr for FlowStoreLocation {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.is_empty() {
            return Err("empty flow store location".into());
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(FlowStoreLocation::Postgres(s.to_owned()));
        }
        if s == "sqlite::memory:" || s == ":memory:" {
            return Ok(FlowStoreLocation::SqliteMemory);
        }
        if let Some(path) = s.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            if path.is_empty() {
                return Err("sqlite: needs a file path (sqlite:flows.db)".into());
            }
            return Ok(FlowStoreLocation::SqliteFile(path.into()));
        }
        if s.contains("://") {
            return Err(format!(
                "unsupported flow store {:?}: use postgres://…, sqlite:PATH or a file path",
                redact(s)
            ));
        }
        Ok(FlowStoreLocation::SqliteFile(s.into()))
    }
}

/// `scheme://user:password@host` → `scheme://user:***@host`.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (auth, host) = match rest.rsplit_once('@') {
        Some(parts) => parts,
        None => return url.to_owned(),
    };
    match auth.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

impl fmt::Display for FlowStoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FlowStoreLocation::SqliteFile(p) => write!(f, "sqlite:{}", p.display()),
            FlowStoreLocation::SqliteMemory => f.write_str("sqlite::memory:"),
            FlowStoreLocation::Postgres(url) => f.write_str(&redact(url)),
        }
    }
}

impl fmt::Debug for FlowStoreLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FlowStoreLocation({self})")
    }
}

/// The backend a [`FlowStoreLocation`] names.
#[derive(Clone, Debug)]
pub enum AnyFlowStore {
    Sqlite(SqliteFlowStore),
    Postgres(PgFlowStore),
}

impl AnyFlowStore {
    /// Open the store (running its migrations).
    pub async fn open(location: &FlowStoreLocation) -> Result<Self, StoreError> {
        Ok(match location {
            FlowStoreLocation::SqliteFile(path) => {
                AnyFlowStore::Sqlite(SqliteFlowStore::open(path).await?)
            }
            FlowStoreLocation::SqliteMemory => {
                AnyFlowStore::Sqlite(SqliteFlowStore::in_memory().await?)
            }
            FlowStoreLocation::Postgres(url) => {
                AnyFlowStore::Postgres(PgFlowStore::connect(url, POSTGRES_POOL_SIZE).await?)
            }
        })
    }

    pub async fn close(&self) {
        match self {
            AnyFlowStore::Sqlite(s) => s.close().await,
            AnyFlowStore::Postgres(s) => s.close().await,
        }
    }
}

impl From<SqliteFlowStore> for AnyFlowStore {
    fn from(s: SqliteFlowStore) -> Self {
        AnyFlowStore::Sqlite(s)
    }
}

impl From<PgFlowStore> for AnyFlowStore {
    fn from(s: PgFlowStore) -> Self {
        AnyFlowStore::Postgres(s)
    }
}

impl FlowStore for AnyFlowStore {
    async fn insert(&self, new: &NewFlow) -> Result<(), StoreError> {
        match self {
            AnyFlowStore::Sqlite(s) => s.insert(new).await,
            AnyFlowStore::Postgres(s) => s.insert(new).await,
        }
    }

    async fn load(&self, id: FlowId) -> Result<FlowRecord, StoreError> {
        match self {
            AnyFlowStore::Sqlite(s) => s.load(id).await,
            AnyFlowStore::Postgres(s) => s.load(id).await,
        }
    }

    async fn update(&self, change: &FlowUpdate) -> Result<(), StoreError> {
        match self {
            AnyFlowStore::Sqlite(s) => s.update(change).await,
            AnyFlowStore::Postgres(s) => s.update(change).await,
        }
    }

    async fn delete(&self, id: FlowId, expected_version: i64) -> Result<(), StoreError> {
        match self {
            AnyFlowStore::Sqlite(s) => s.delete(id, expected_version).await,
            AnyFlowStore::Postgres(s) => s.delete(id, expected_version).await,
        }
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        match self {
            AnyFlowStore::Sqlite(s) => s.purge_expired(now).await,
            AnyFlowStore::Postgres(s) => s.purge_expired(now).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::FlowStoreLocation::{self, *};

    fn parse(s: &str) -> Result<FlowStoreLocation, String> {
        s.parse()
    }

    #[test]
    fn locations_parse_by_scheme_and_a_bare_path_is_sqlite() {
        assert_eq!(parse("flows.db"), Ok(SqliteFile("flows.db".into())));
        assert_eq!(
            parse("sqlite:/tmp/f.db"),
            Ok(SqliteFile("/tmp/f.db".into()))
        );
        assert_eq!(
            parse("sqlite:///tmp/f.db"),
            Ok(SqliteFile("/tmp/f.db".into()))
        );
        assert_eq!(parse("sqlite::memory:"), Ok(SqliteMemory));
        assert_eq!(
            parse("postgresql://u@h/db"),
            Ok(Postgres("postgresql://u@h/db".into()))
        );
        assert!(parse("mysql://u@h/db").is_err());
        assert!(parse("sqlite:").is_err());
        assert!(parse("  ").is_err());
    }

    #[test]
    fn a_postgres_password_is_never_displayed() {
        let loc = parse("postgres://app:hun@ter2@db.internal:5432/flows").unwrap();
        assert_eq!(loc.to_string(), "postgres://app:***@db.internal:5432/flows");
        assert!(!format!("{loc:?}").contains("ter2"));
        let err = parse("mysql://app:hunter2@db/flows").unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
    }
}
