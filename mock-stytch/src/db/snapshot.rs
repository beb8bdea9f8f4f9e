//! The SQL of a snapshot and of a restore, on the writer's [`super::Solo`] connection (outside
//! any transaction): `VACUUM INTO` a file, and "check the file, then copy it in" for a restore.
//!
//! [`check`] attaches the file as `snap` and refuses it (a [`Refusal`]) unless it is an SQLite
//! database with exactly this build's migrations, the same schema, a clean `quick_check` and a
//! seed; [`copy_in`] then replaces every data table, `meta` and `sqlite_sequence` in ONE
//! transaction. This module must never write the live database before the file passed every
//! check, and never leave `snap` attached (see [`detach`]).

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use crate::db::Conn;

/// The first 16 bytes of every SQLite database file.
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// The `meta` key a snapshot records the request-id position under (only in the snapshot file:
/// the live database drops it right after `VACUUM INTO`, and a restore drops it again).
pub const REQUESTS_KEY: &str = "snapshot_requests";

/// Why a file is not taken as a snapshot (answered 400; nothing was changed).
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("cannot read the snapshot file: {0}")]
    Unreadable(String),
    #[error("the file is not an SQLite database")]
    NotSqlite,
    #[error("the file is not a mock-stytch database ({0})")]
    NotMock(String),
    #[error("the snapshot was made by a mock with other migrations ({file}; this mock has {ours})")]
    OtherMigrations { file: String, ours: String },
    #[error("the snapshot's schema differs from this mock's")]
    OtherSchema,
    #[error("the snapshot was taken under seed {file}, this mock runs seed {running}")]
    OtherSeed { file: u64, running: u64 },
}

/// A restore that did not happen: the file was refused, or the database failed.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Db(#[from] crate::db::Error),
}

/// What a snapshot file says about the generator, the clock and the key (its `meta`).
#[derive(Debug, Clone)]
pub struct FileMeta {
    pub seed: u64,
    pub boot: u64,
    pub id_counter: u64,
    pub clock_offset: i64,
    /// Where the request ids stood; `None` for a database file that is not a snapshot.
    pub requests: Option<u64>,
    /// `meta.jwt_signing_key`; `None` when the key had not been stored yet.
    pub signing_key: Option<String>,
}

/// `path` as an SQLite URI filename with `mode`. A URI's `mode` replaces the connection's own
/// open flags, so the file is opened (or created) as asked whatever the live connection is.
fn file_uri(path: &Path, mode: &str) -> Result<String, crate::db::Error> {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'/')
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    let path = path.to_str().ok_or_else(|| {
        crate::db::Error::Other("the snapshot path is not valid UTF-8".to_owned())
    })?;
    Ok(format!(
        "file:{}?mode={mode}",
        percent_encoding::utf8_percent_encode(path, KEEP)
    ))
}

/// `VACUUM INTO dest` (which must not exist or be empty): a consistent, compacted copy.
pub async fn vacuum_into(conn: &mut Conn, dest: &Path) -> Result<(), crate::db::Error> {
    crate::db::sql::query("VACUUM INTO ?")
        .bind(file_uri(dest, "rwc")?)
        .persistent(false)
        .execute(conn)
        .await?;
    Ok(())
}

/// Attach `file` as `snap` and check it is a snapshot of this mock. On `Ok` it stays attached
/// for [`copy_in`]; on `Err` it is detached again.
pub async fn check(conn: &mut Conn, file: &Path) -> Result<FileMeta, RestoreError> {
    // Before ATTACH: it would create a missing file, and its errors on a foreign file are vague.
    let mut header = [0u8; 16];
    std::fs::File::open(file)
        .and_then(|mut f| f.read_exact(&mut header))
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => Refusal::NotSqlite,
            _ => Refusal::Unreadable(e.to_string()),
        })?;
    if &header != SQLITE_HEADER {
        return Err(Refusal::NotSqlite.into());
    }
    let uri = file_uri(file, "rw").map_err(|e| Refusal::Unreadable(e.to_string()))?;
    crate::db::sql::query("ATTACH DATABASE ? AS snap")
        .bind(uri)
        .persistent(false)
        .execute(&mut *conn)
        .await
        .map_err(|e| Refusal::NotMock(e.to_string()))?;
    let checked = check_attached(conn).await;
    if checked.is_err() {
        detach(conn).await;
    }
    checked
}

async fn check_attached(conn: &mut Conn) -> Result<FileMeta, RestoreError> {
    let not_mock = |e: crate::db::Error| Refusal::NotMock(e.to_string());
    let ok: String = crate::db::sql::query_scalar("PRAGMA snap.quick_check")
        .persistent(false)
        .fetch_one(&mut *conn)
        .await
        .map_err(not_mock)?;
    if ok != "ok" {
        return Err(Refusal::NotMock(format!("quick_check: {ok}")).into());
    }
    let migrations = |schema: &str| {
        format!(
            "SELECT group_concat(version || ':' || hex(checksum), ' ') FROM \
             (SELECT version, checksum FROM {schema}._sqlx_migrations WHERE success ORDER BY version)"
        )
    };
    let ours: Option<String> = crate::db::sql::query_scalar(&migrations("main"))
        .persistent(false)
        .fetch_one(&mut *conn)
        .await?;
    let theirs: Option<String> = crate::db::sql::query_scalar(&migrations("snap"))
        .persistent(false)
        .fetch_one(&mut *conn)
        .await
        .map_err(not_mock)?;
    if ours != theirs {
        let versions = |v: Option<String>| {
            v.unwrap_or_default()
                .split(' ')
                .map(|m| m.split(':').next().unwrap_or_default().to_owned())
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(Refusal::OtherMigrations {
            file: format!("versions {}", versions(theirs)),
            ours: format!("versions {}", versions(ours)),
        }
        .into());
    }
    let schema = |schema: &str| {
        format!(
            "SELECT group_concat(type || ' ' || name || ' ' || coalesce(sql, ''), char(10)) FROM \
             (SELECT type, name, sql FROM {schema}.sqlite_master ORDER BY type, name)"
        )
    };
    let ours: Option<String> = crate::db::sql::query_scalar(&schema("main"))
        .persistent(false)
        .fetch_one(&mut *conn)
        .await?;
    let theirs: Option<String> = crate::db::sql::query_scalar(&schema("snap"))
        .persistent(false)
        .fetch_one(&mut *conn)
        .await
        .map_err(not_mock)?;
    if ours != theirs {
        return Err(Refusal::OtherSchema.into());
    }
    let meta: HashMap<String, String> =
        crate::db::sql::query_as("SELECT key, value FROM snap.meta")
            .persistent(false)
            .fetch_all(&mut *conn)
            .await
            .map_err(not_mock)?
            .into_iter()
            .collect();
    let number = |key: &str| -> Result<Option<i64>, Refusal> {
        meta.get(key)
            .map(|v| v.parse::<i64>())
            .transpose()
            .map_err(|_| Refusal::NotMock(format!("meta.{key} is not a number")))
    };
    let seed = meta
        .get("seed")
        .ok_or_else(|| Refusal::NotMock("it has no seed".to_owned()))?
        .parse::<u64>()
        .map_err(|_| Refusal::NotMock("meta.seed is not a number".to_owned()))?;
    let unsigned = |v: Option<i64>| v.map(|n| n.max(0) as u64);
    Ok(FileMeta {
        seed,
        boot: unsigned(number("boot")?).unwrap_or(0),
        id_counter: unsigned(number("id_counter")?).unwrap_or(0),
        clock_offset: number("clock_offset")?.unwrap_or(0),
        requests: unsigned(number(REQUESTS_KEY)?),
        signing_key: meta.get("jwt_signing_key").cloned(),
    })
}

/// Replace every data table, `meta` and `sqlite_sequence` by the attached snapshot's, in one
/// transaction, then detach it. `extra_meta` is written over the copied `meta` in the same
/// transaction (what the live process keeps, e.g. its boot number). All or nothing.
pub async fn copy_in(
    conn: &mut Conn,
    extra_meta: &[(&str, String)],
) -> Result<(), crate::db::Error> {
    let copied = copy_in_transaction(conn, extra_meta).await;
    if copied.is_err() {
        let _ = crate::db::sql::raw_sql_on(&mut *conn, "ROLLBACK").await;
    }
    detach(conn).await;
    copied
}

async fn copy_in_transaction(
    conn: &mut Conn,
    extra_meta: &[(&str, String)],
) -> Result<(), crate::db::Error> {
    crate::db::sql::raw_sql_on(
        &mut *conn,
        "BEGIN IMMEDIATE; PRAGMA defer_foreign_keys = ON",
    )
    .await?;
    // Every table but sqlx's own and SQLite's (`data_tables` plus `meta`), named in `main`
    // explicitly: `snap` has the same names.
    let tables: Vec<String> = crate::db::sql::query_scalar(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' \
         AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
    )
    .fetch_all(&mut *conn)
    .await?;
    let has_sequence: bool = crate::db::sql::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM main.sqlite_master WHERE name = 'sqlite_sequence')",
    )
    .fetch_one(&mut *conn)
    .await?;
    let mut sql = String::new();
    for table in &tables {
        sql.push_str(&format!("DELETE FROM main.\"{table}\";\n"));
    }
    for table in &tables {
        sql.push_str(&format!(
            "INSERT INTO main.\"{table}\" SELECT * FROM snap.\"{table}\";\n"
        ));
    }
    // Last: the inserts above add their own `sqlite_sequence` rows, which the file's replace.
    if has_sequence {
        sql.push_str(
            "DELETE FROM main.sqlite_sequence;\n\
             INSERT INTO main.sqlite_sequence SELECT * FROM snap.sqlite_sequence;\n",
        );
    }
    sql.push_str(&format!(
        "DELETE FROM main.meta WHERE key = '{REQUESTS_KEY}';"
    ));
    crate::db::sql::raw_sql_on(&mut *conn, &sql).await?;
    for (key, value) in extra_meta {
        super::set_meta(&mut *conn, key, value).await?;
    }
    crate::db::sql::raw_sql_on(&mut *conn, "COMMIT").await?;
    Ok(())
}

/// Detach `snap` if attached (errors only mean it was not).
pub async fn detach(conn: &mut Conn) {
    let _ = crate::db::sql::raw_sql_on(&mut *conn, "DETACH DATABASE snap").await;
}
