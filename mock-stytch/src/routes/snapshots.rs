//! `POST /_mock/snapshot` and `POST /_mock/restore`: the HTTP side of [`crate::snapshot`].
//!
//! A snapshot is downloaded (body `{}`: the SQLite file itself, `application/vnd.sqlite3`) or
//! written to an absolute `path` on the mock's machine (answer `{path, size_bytes}`). A restore
//! takes `{"path": ...}` or the raw file (`Content-Type: application/vnd.sqlite3`, up to
//! [`MAX_SNAPSHOT_BYTES`]). The work runs in its own task, so a client that hangs up cannot
//! cancel a restore halfway. Nothing here decides what a snapshot holds.

use std::path::{Path, PathBuf};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;

use crate::db::snapshot::RestoreError;
use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::http::{Body, MAX_SNAPSHOT_BYTES, Reply, decode_json};
use crate::snapshot::SnapshotError;
use crate::state::AppState;

/// The media type of a snapshot, both ways.
pub const SQLITE_MEDIA_TYPE: &str = "application/vnd.sqlite3";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_mock/snapshot", post(snapshot))
        .route("/_mock/restore", post(restore))
}

#[derive(Deserialize)]
struct SnapshotRequest {
    path: Option<String>,
}

async fn snapshot(
    State(state): State<AppState>,
    Body(req): Body<SnapshotRequest>,
) -> ApiResult<Response> {
    let Some(path) = req.path else {
        return download(state).await;
    };
    let dest = writable_path(&path)?;
    let taken = detached({
        let dest = dest.clone();
        async move { crate::snapshot::take(&state, &dest).await }
    })
    .await?
    .map_err(snapshot_failed)?;
    Ok(Reply::empty()
        .with("path", dest.display().to_string())
        .with("size_bytes", taken.size_bytes)
        .into_response())
}

/// The snapshot file as a download (also the dashboard's "download snapshot" link).
pub(crate) async fn download(state: AppState) -> ApiResult<Response> {
    let bytes = detached(async move { crate::snapshot::take_bytes(&state).await })
        .await?
        .map_err(snapshot_failed)?;
    let mut resp = (StatusCode::OK, Bytes::from(bytes)).into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(SQLITE_MEDIA_TYPE),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"mock-stytch-snapshot.sqlite\""),
    );
    Ok(resp)
}

/// The destination's fault is the caller's (400); anything else is ours (a logged 500).
fn snapshot_failed(e: SnapshotError) -> ApiError {
    match e {
        SnapshotError::Destination { path, source } => {
            ApiError::invalid_argument(format!("Cannot write the snapshot to {path}: {source}."))
        }
        other => {
            tracing::error!(error = %other, "snapshot failed");
            ApiError::internal()
        }
    }
}

/// An absolute path whose directory exists and which is not itself a directory.
fn writable_path(path: &str) -> ApiResult<PathBuf> {
    let dest = PathBuf::from(path);
    if !dest.is_absolute() {
        return Err(ApiError::invalid_argument(
            "path must be an absolute file path on the mock's machine.",
        ));
    }
    if dest.is_dir() || !dest.parent().is_some_and(Path::is_dir) {
        return Err(ApiError::invalid_argument(
            "path must name a file in an existing directory.",
        ));
    }
    Ok(dest)
}

#[derive(Deserialize)]
struct RestoreRequest {
    path: String,
}

async fn restore(State(state): State<AppState>, req: Request) -> ApiResult<Reply> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    // `buffer_body` already bounded the body (at MAX_SNAPSHOT_BYTES for this route).
    let bytes = axum::body::to_bytes(req.into_body(), MAX_SNAPSHOT_BYTES)
        .await
        .map_err(|_| {
            ApiError::worded(catalog::BAD_REQUEST, "The request body could not be read.")
        })?;
    if content_type.starts_with(SQLITE_MEDIA_TYPE) {
        restore_bytes(state, bytes).await
    } else if content_type.is_empty() || content_type.starts_with("application/json") {
        let req: RestoreRequest = decode_json(&bytes)?;
        detached(async move { restore_from(&state, Path::new(&req.path)).await }).await?
    } else {
        Err(ApiError::worded(
            catalog::INVALID_CONTENT_TYPE,
            "Send {\"path\": ...} as JSON, or the snapshot file as application/vnd.sqlite3.",
        ))
    }
}

/// Restore from an uploaded snapshot file's bytes (also the dashboard's upload form).
pub(crate) async fn restore_bytes(state: AppState, bytes: Bytes) -> ApiResult<Reply> {
    detached(async move {
        let file = tempfile::NamedTempFile::new()?;
        tokio::fs::write(file.path(), &bytes).await?;
        Ok::<_, std::io::Error>(restore_from(&state, file.path()).await)
    })
    .await?
    .map_err(|e| {
        tracing::error!(error = %e, "cannot keep the uploaded snapshot in a temporary file");
        ApiError::internal()
    })?
}

async fn restore_from(state: &AppState, file: &Path) -> ApiResult<Reply> {
    match crate::snapshot::restore(state, file).await {
        Ok(_) => Ok(Reply::empty()
            .with("restored", true)
            .with("now", crate::clock::rfc3339(state.clock.now_ts()))),
        Err(RestoreError::Refused(why)) => Err(ApiError::worded(
            catalog::INVALID_SNAPSHOT,
            format!("Nothing was restored: {why}."),
        )),
        Err(RestoreError::Db(e)) => Err(e.into()),
    }
}

/// Run `work` in its own task: a client that hangs up cannot cancel it halfway.
async fn detached<T: Send + 'static>(
    work: impl Future<Output = T> + Send + 'static,
) -> ApiResult<T> {
    tokio::spawn(work).await.map_err(|e| {
        tracing::error!(error = %e, "snapshot or restore task failed");
        ApiError::internal()
    })
}
