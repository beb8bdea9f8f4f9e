//! The control API under `/_mock/`: what a test needs that Stytch does not offer — health,
//! reset, the virtual clock, the outbox and the request log (also as HAR, [`super::har`]). Same
//! Basic credentials as the API (except health). Nothing here exists on real Stytch; scenarios
//! that use it cannot run there.

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde::Deserialize;

use crate::db::{data_tables, set_meta};
use crate::error::{ApiError, ApiResult};
use crate::http::{Body, Params, Reply};
use crate::model::outbox;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_mock/reset", post(reset))
        .route("/_mock/clock", get(clock).post(set_clock))
        .route("/_mock/outbox", get(list_outbox))
        .route("/_mock/requests", get(requests))
        .route("/_mock/requests.har", get(super::har::requests_har))
}

pub async fn health(State(state): State<AppState>) -> Reply {
    Reply::empty()
        .with("ok", true)
        .with("now", crate::clock::rfc3339(state.clock.now_ts()))
}

async fn reset(State(state): State<AppState>) -> ApiResult<Reply> {
    reset_all(&state).await?;
    Ok(Reply::empty().with("reset", true))
}

/// Wipe every data table, restart the id counter and the clock offset, remove every fault
/// rule: afterwards the mock answers exactly like a fresh instance with the same seed.
/// Configuration is kept.
pub async fn reset_all(state: &AppState) -> ApiResult<()> {
    let mut tx = state.db.write().await?;
    crate::db::sql::query("PRAGMA defer_foreign_keys = ON")
        .execute(&mut tx)
        .await?;
    for table in data_tables(&mut tx).await? {
        crate::db::sql::query(&format!("DELETE FROM \"{table}\""))
            .execute(&mut tx)
            .await?;
    }
    set_meta(&mut tx, "clock_offset", "0").await?;
    state.ids.reset();
    tx.commit(&state.ids).await?;
    state.clock.set_offset(0);
    state.faults.clear();
    Ok(())
}

async fn clock(State(state): State<AppState>) -> Reply {
    clock_reply(&state)
}

fn clock_reply(state: &AppState) -> Reply {
    Reply::empty()
        .with("now", crate::clock::rfc3339(state.clock.now_ts()))
        .with("offset_seconds", state.clock.offset())
        .with("frozen", state.config.frozen_clock.is_some())
}

#[derive(Deserialize)]
struct ClockRequest {
    advance_seconds: Option<i64>,
    now: Option<String>,
}

async fn set_clock(
    State(state): State<AppState>,
    Body(req): Body<ClockRequest>,
) -> ApiResult<Reply> {
    let seconds = match (req.advance_seconds, req.now) {
        (Some(s), None) => s,
        (None, Some(now)) => {
            let at = chrono::DateTime::parse_from_rfc3339(&now).map_err(|_| {
                ApiError::invalid_argument(
                    "now must be an RFC 3339 timestamp, e.g. 2030-01-01T00:00:00Z.",
                )
            })?;
            at.timestamp() - state.clock.now_ts()
        }
        _ => {
            return Err(ApiError::invalid_argument(
                "Give exactly one of advance_seconds or now.",
            ));
        }
    };
    advance_clock(&state, seconds).await?;
    Ok(clock_reply(&state))
}

/// Move the virtual clock by `seconds` (negative: back) and persist the new offset.
pub async fn advance_clock(state: &AppState, seconds: i64) -> ApiResult<()> {
    let mut tx = state.db.write().await?;
    let offset = state.clock.offset().saturating_add(seconds);
    set_meta(&mut tx, "clock_offset", &offset.to_string()).await?;
    tx.commit(&state.ids).await?;
    state.clock.set_offset(offset);
    Ok(())
}

async fn list_outbox(
    State(state): State<AppState>,
    Params(filter): Params<outbox::Filter>,
) -> ApiResult<Reply> {
    let mut conn = state.db.pool.acquire().await?;
    let messages = outbox::list(&mut conn, &filter).await?;
    Ok(Reply::empty().with("messages", messages))
}

#[derive(Deserialize)]
struct RequestsParams {
    limit: Option<usize>,
}

/// Recent requests, newest first: method, path, status, request id, timing, and the body with
/// secrets redacted (`body`, see [`crate::redact`]).
async fn requests(State(state): State<AppState>, Params(q): Params<RequestsParams>) -> Reply {
    let limit = q
        .limit
        .unwrap_or(100)
        .min(crate::state::REQUEST_LOG_CAPACITY);
    let log = state.request_log.lock().unwrap_or_else(|p| p.into_inner());
    let entries: Vec<_> = log.iter().rev().take(limit).cloned().collect();
    Reply::empty().with("requests", entries)
}
