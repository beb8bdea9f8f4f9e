//! `POST /_mock/fixtures`: load a fixture document ([`crate::fixtures`]) into the running mock.
//! The body is JSON, or YAML with `Content-Type: application/yaml` (also `application/x-yaml`,
//! `text/yaml`); the answer is what was created, updated or left unchanged, with the ids by
//! alias. A bad document is a 400 `invalid_fixture` naming the place, and nothing is written.
//! Bodies up to [`MAX_FIXTURE_BYTES`] (64 MiB; 10,000 members are about 1.6 MiB), the one
//! limit besides restore's that is not 1 MiB. Exists only on the mock.

use axum::Router;
use axum::body::Bytes;
use axum::extract::DefaultBodyLimit;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::routing::post;

use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::fixtures;
use crate::http::{FIXTURES_PATH, MAX_FIXTURE_BYTES, Reply};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route(
        FIXTURES_PATH,
        post(load).layer(DefaultBodyLimit::max(MAX_FIXTURE_BYTES)),
    )
}

/// The media types a fixture body may have (none given: JSON).
const ACCEPTED: &[&str] = &[
    "application/json",
    "application/yaml",
    "application/x-yaml",
    "text/yaml",
];

async fn load(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> ApiResult<Reply> {
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let essence = ct.to_str().unwrap_or("").split(';').next().unwrap_or("");
        let essence = essence.trim().to_ascii_lowercase();
        if !essence.is_empty() && !ACCEPTED.contains(&essence.as_str()) {
            return Err(ApiError::worded(
                catalog::INVALID_CONTENT_TYPE,
                "Fixtures are JSON (Content-Type: application/json) or YAML (application/yaml).",
            ));
        }
    }
    let text = std::str::from_utf8(&body).map_err(|_| {
        ApiError::worded(catalog::BAD_REQUEST, "The fixture document is not UTF-8.")
    })?;
    if text.trim().is_empty() {
        return Err(ApiError::worded(
            catalog::INVALID_FIXTURE,
            "document: the fixture document is empty.",
        ));
    }
    let doc = fixtures::parse(text)?;
    let loaded = fixtures::load(&state, &doc).await?;
    tracing::info!(summary = %loaded.summary(), "fixtures loaded");
    Ok(Reply::of(&loaded))
}
