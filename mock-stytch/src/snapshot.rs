//! Snapshots of the whole state while serving, and restores (`/_mock/snapshot`,
//! `/_mock/restore`, `--restore FILE`; issue 18 item 4).
//!
//! Both run on the writer's [`Solo`] connection, so no unit is half in a snapshot and none runs
//! during a restore. A snapshot first writes what defines future answers and lives only in
//! memory into `meta` — the id counter (a request that drew ids and wrote nothing moved it past
//! the stored one), the clock offset, the signing key, and the request-id position
//! ([`REQUESTS_KEY`], dropped from the live database again) — then `VACUUM INTO`s the file. A
//! restore checks the file, copies it in (one transaction), then puts the generator, the clock
//! and the signing key where the snapshot had them: the same requests then get byte-identical
//! answers (with a frozen clock; a real-time clock moves on). The request log is kept: it is
//! the history of what this process was sent, not state that answers read.
//!
//! **Seeds.** The seed is part of the state. A running mock refuses a snapshot of another seed
//! (its signing key, and every value still to come, would change under its clients); at start,
//! `--restore` takes the file's seed, unless `--seed` names another one (refused, like a
//! database of another seed). This module must never change the live state when it refuses.

use std::path::Path;

use crate::db::Conn;

use crate::db::snapshot::{self as sql, FileMeta, REQUESTS_KEY, Refusal, RestoreError};
use crate::db::{Db, get_meta, set_meta};
use crate::state::AppState;

/// Why [`take`] wrote no snapshot.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    /// The destination cannot be written (the caller's path: a 400).
    #[error("cannot write {path}: {source}")]
    Destination {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Db(#[from] crate::db::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The signing key could not be made (logged where it failed).
    #[error("the signing key is not available")]
    Key(#[from] crate::error::ApiError),
}

/// What [`take`] wrote.
#[derive(Debug, Clone)]
pub struct Taken {
    pub size_bytes: u64,
}

/// Write a snapshot of the whole state to `dest` (replaced atomically if it exists).
pub async fn take(state: &AppState, dest: &Path) -> Result<Taken, SnapshotError> {
    // Outside the solo: on a fresh database the key may still be in generation.
    state.signing.get().await?;
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // VACUUM INTO needs an absent or empty file; renaming it over `dest` keeps a reader from
    // ever seeing half a snapshot.
    let partial = tempfile::Builder::new()
        .prefix(".mock-stytch-snapshot-")
        .suffix(".partial")
        .tempfile_in(dir)
        .map_err(|source| SnapshotError::Destination {
            path: dir.display().to_string(),
            source,
        })?;
    let mut solo = state.db.solo().await?;
    record_position(state, &mut solo).await?;
    let vacuumed = sql::vacuum_into(&mut solo, partial.path()).await;
    // The position is the snapshot's alone: the live database must not carry a stale one.
    let dropped = crate::db::sql::query("DELETE FROM meta WHERE key = ?")
        .bind(REQUESTS_KEY)
        .execute(&mut solo)
        .await;
    drop(solo);
    vacuumed?;
    dropped?;
    let size_bytes = partial.as_file().metadata()?.len();
    partial
        .persist(dest)
        .map_err(|e| SnapshotError::Destination {
            path: dest.display().to_string(),
            source: e.error,
        })?;
    Ok(Taken { size_bytes })
}

/// The snapshot's bytes (the download form of [`take`]), through a temporary file.
pub async fn take_bytes(state: &AppState) -> Result<Vec<u8>, SnapshotError> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("snapshot.sqlite");
    take(state, &file).await?;
    Ok(tokio::fs::read(&file).await?)
}

/// One transaction on the solo connection: the generator's position, the clock offset and the
/// signing key as they are in memory right now.
async fn record_position(state: &AppState, conn: &mut Conn) -> Result<(), crate::db::Error> {
    crate::db::sql::raw_sql_on(&mut *conn, "BEGIN IMMEDIATE").await?;
    let written = async {
        set_meta(conn, "id_counter", &state.ids.counter().to_string()).await?;
        set_meta(conn, "boot", &state.ids.boot().to_string()).await?;
        set_meta(conn, REQUESTS_KEY, &state.ids.requests().to_string()).await?;
        set_meta(conn, "clock_offset", &state.clock.offset().to_string()).await?;
        if get_meta(conn, "jwt_signing_key").await?.is_none()
            && let Some(key) = state.signing.stored_form()
        {
            set_meta(conn, "jwt_signing_key", &key).await?;
        }
        Ok::<_, crate::db::Error>(())
    }
    .await;
    let end = if written.is_ok() {
        "COMMIT"
    } else {
        "ROLLBACK"
    };
    crate::db::sql::raw_sql_on(&mut *conn, end).await?;
    written
}

/// Replace the running mock's state by the snapshot in `file`, then put everything in memory
/// that derives from the database where the snapshot had it. Refused (nothing changed) for a
/// file that is not a snapshot of a mock like this one with the same seed.
pub async fn restore(state: &AppState, file: &Path) -> Result<FileMeta, RestoreError> {
    let mut solo = state.db.solo().await?;
    let meta = sql::check(&mut solo, file).await?;
    if meta.seed != state.ids.seed() {
        sql::detach(&mut solo).await;
        return Err(Refusal::OtherSeed {
            file: meta.seed,
            running: state.ids.seed(),
        }
        .into());
    }
    // A database file that is not a snapshot has no request position: this process goes on
    // with its own boot number and request ids (the live `meta.boot` keeps it).
    let (boot, requests) = match meta.requests {
        Some(n) => (meta.boot, n),
        None => (state.ids.boot(), state.ids.requests()),
    };
    let mut extra = vec![("boot", boot.to_string())];
    if meta.signing_key.is_none()
        && let Some(key) = state.signing.stored_form()
    {
        // Same seed, same key: keep it stored so the next start need not derive it again.
        extra.push(("jwt_signing_key", key));
    }
    sql::copy_in(&mut solo, &extra).await?;
    // Still holding the connection: no unit runs before memory matches the database.
    state.ids.rewind(boot, meta.id_counter, requests);
    state.clock.set_offset(meta.clock_offset);
    if let Some(key) = &meta.signing_key
        && let Err(e) = state.signing.replace(&state.ids, key)
    {
        // The same seed derives the same key, which the running mock keeps serving.
        tracing::warn!(error = %e, "the snapshot's signing key does not load; keeping the seed's");
    }
    drop(solo);
    Ok(meta)
}

/// `--restore FILE`: replace the database's state by the file's before the state is opened
/// (so the file's seed, position and key are what [`AppState::open`] then reads). `seed` is
/// `--seed`, which must agree with the file's.
pub async fn restore_at_start(db: &Db, file: &Path, seed: Option<u64>) -> anyhow::Result<FileMeta> {
    let refused = |e: RestoreError| anyhow::anyhow!("cannot restore {}: {e}", file.display());
    let mut solo = db.solo().await?;
    let meta = sql::check(&mut solo, file).await.map_err(refused)?;
    if let Some(wanted) = seed.filter(|s| *s != meta.seed) {
        sql::detach(&mut solo).await;
        return Err(refused(
            Refusal::OtherSeed {
                file: meta.seed,
                running: wanted,
            }
            .into(),
        ));
    }
    sql::copy_in(&mut solo, &[]).await?;
    Ok(meta)
}
