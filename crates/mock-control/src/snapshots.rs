//! Snapshots and restores of the mock's whole state (`POST /_mock/snapshot`, `/_mock/restore`):
//! to a file on the mock's machine or as the SQLite bytes, and back. After a restore the mock
//! answers the same requests as it did after the snapshot, byte for byte (frozen clock).
//!
//! Paths are the mock's, not this process's: with a mock on another machine, use the byte
//! forms. Like every method here, none retries: a refusal is the mock's answer as it came.

use reqwest::Method;
use reqwest::header::CONTENT_TYPE;
use serde::Deserialize;
use serde_json::json;

use crate::client::MockControl;
use crate::error::{ControlError, refused};
use crate::wire::path;

/// The media type of a snapshot file, both ways.
const SQLITE_MEDIA_TYPE: &str = "application/vnd.sqlite3";

/// `POST /_mock/snapshot` with a `path`: where the snapshot was written and how large it is.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct SnapshotFile {
    pub path: String,
    pub size_bytes: u64,
}

/// `POST /_mock/restore`: the state is the snapshot's; `now` is the virtual clock after it.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Restored {
    pub restored: bool,
    pub now: chrono::DateTime<chrono::Utc>,
}

impl MockControl {
    /// Write a snapshot to `path` (absolute, on the mock's machine; replaced if it exists).
    pub async fn snapshot_to(&self, path: &str) -> Result<SnapshotFile, ControlError> {
        self.post(path::SNAPSHOT, &json!({ "path": path })).await
    }

    /// Download a snapshot: the SQLite file's bytes.
    pub async fn snapshot_bytes(&self) -> Result<Vec<u8>, ControlError> {
        let transport = |source| ControlError::Transport {
            path: path::SNAPSHOT.to_owned(),
            source,
        };
        let resp = self
            .request(Method::POST, path::SNAPSHOT)
            .json(&json!({}))
            .send()
            .await
            .map_err(transport)?;
        let status = resp.status().as_u16();
        let is_sqlite = resp
            .headers()
            .get(CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(SQLITE_MEDIA_TYPE.as_bytes()));
        let body = resp.bytes().await.map_err(transport)?;
        if !(200..300).contains(&status) || !is_sqlite {
            return Err(refused(path::SNAPSHOT, status, &body));
        }
        Ok(body.to_vec())
    }

    /// Restore the snapshot at `path` (on the mock's machine).
    pub async fn restore_from(&self, path: &str) -> Result<Restored, ControlError> {
        self.post(path::RESTORE, &json!({ "path": path })).await
    }

    /// Restore a snapshot from its bytes (as [`MockControl::snapshot_bytes`] gave them).
    pub async fn restore_bytes(&self, bytes: Vec<u8>) -> Result<Restored, ControlError> {
        let req = self
            .request(Method::POST, path::RESTORE)
            .header(CONTENT_TYPE, SQLITE_MEDIA_TYPE)
            .body(bytes);
        self.send(path::RESTORE, req).await
    }
}
