//! The dashboard's routes under `/_mock/ui` (see [`crate::dashboard`]): `GET /_mock/ui` renders
//! the page, `GET /_mock/ui/events` streams its change events ([`crate::events`]; `since` or
//! `Last-Event-ID`: the change count the client has seen). `POST /_mock/ui/clock` (form field
//! `minutes`), `POST /_mock/ui/reset`, `POST /_mock/ui/faults` (field `preset`, a
//! [`Preset`]), `POST /_mock/ui/faults/remove` (field `id`) and `POST /_mock/ui/faults/clear`
//! act and answer 303 See Other back to `/_mock/ui`. `GET /_mock/ui/snapshot` downloads a
//! snapshot and `POST /_mock/ui/restore` takes the file as the body (`application/vnd.sqlite3`,
//! up to the control API's limit) and answers like `POST /_mock/restore`. Every action calls the
//! code the control API uses (fault store, [`super::snapshots`], [`control`]); nothing is
//! implemented twice.
//!
//! Guarded by the same Basic credentials as the rest of `/_mock`
//! ([`crate::http::require_basic_auth`] adds a `WWW-Authenticate` challenge on these paths so a
//! browser prompts). Form bodies only; a bad form is a Stytch-shaped 4xx. There is no CSRF
//! token: the dashboard is a local test tool whose worst action is a reset (the example app's
//! proxy refuses cross-site POSTs).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::sse::{KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::dashboard::presets::Preset;
use crate::dashboard::{self, View};
use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::http::{MAX_SNAPSHOT_BYTES, Params, Reply};
use crate::routes::{control, snapshots};
use crate::state::AppState;

/// Largest clock step the form accepts, in minutes (one week).
pub const MAX_MINUTES: i64 = 10_080;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_mock/ui", get(page))
        .route("/_mock/ui/clock", post(advance_clock))
        .route("/_mock/ui/reset", post(reset))
        .route("/_mock/ui/events", get(events))
        .route("/_mock/ui/faults", post(add_fault))
        .route("/_mock/ui/faults/remove", post(remove_fault))
        .route("/_mock/ui/faults/clear", post(clear_faults))
        .route("/_mock/ui/snapshot", get(download_snapshot))
        // A literal, as every route (tests scan the sources); the body limit is keyed on
        // `crate::http::UI_RESTORE_PATH`, its twin.
        .route("/_mock/ui/restore", post(restore))
}

async fn page(State(state): State<AppState>) -> ApiResult<Response> {
    let mut conn = state.db.pool.acquire().await?;
    let view = View::load(&mut conn, &state).await?;
    let mut resp = Html(dashboard::render(&view)).into_response();
    // Codes and the clock change all the time: never show a cached page.
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

#[derive(Deserialize)]
struct ClockForm {
    minutes: String,
}

async fn advance_clock(
    State(state): State<AppState>,
    Form(form): Form<ClockForm>,
) -> ApiResult<Redirect> {
    let minutes: i64 = form
        .minutes
        .trim()
        .parse()
        .ok()
        .filter(|m| (1..=MAX_MINUTES).contains(m))
        .ok_or_else(|| {
            ApiError::invalid_argument(format!(
                "minutes must be a whole number from 1 to {MAX_MINUTES}."
            ))
        })?;
    control::advance_clock(&state, 60 * minutes).await?;
    Ok(back())
}

async fn reset(State(state): State<AppState>) -> ApiResult<Redirect> {
    control::reset_all(&state).await?;
    Ok(back())
}

#[derive(Deserialize)]
struct EventsParams {
    since: Option<u64>,
}

async fn events(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(q): Params<EventsParams>,
) -> impl IntoResponse {
    // A reconnecting EventSource says what it saw last; that beats the page's first `since`.
    let last = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    Sse::new(state.events.stream(last.or(q.since))).keep_alive(KeepAlive::default())
}

#[derive(Deserialize)]
struct PresetForm {
    preset: Preset,
}

async fn add_fault(
    State(state): State<AppState>,
    Form(form): Form<PresetForm>,
) -> ApiResult<Redirect> {
    let checked = form.preset.rule().check()?;
    state.faults.add(checked, &state.ids);
    Ok(back())
}

#[derive(Deserialize)]
struct RemoveForm {
    id: String,
}

async fn remove_fault(
    State(state): State<AppState>,
    Form(form): Form<RemoveForm>,
) -> ApiResult<Redirect> {
    if !state.faults.remove(form.id.trim()) {
        return Err(ApiError::of(catalog::FAULT_NOT_FOUND));
    }
    Ok(back())
}

async fn clear_faults(State(state): State<AppState>) -> Redirect {
    state.faults.clear();
    back()
}

async fn download_snapshot(State(state): State<AppState>) -> ApiResult<Response> {
    snapshots::download(state).await
}

async fn restore(State(state): State<AppState>, req: Request) -> ApiResult<Reply> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with(snapshots::SQLITE_MEDIA_TYPE) {
        return Err(ApiError::worded(
            catalog::INVALID_CONTENT_TYPE,
            "Send the snapshot file as the body, with Content-Type: application/vnd.sqlite3.",
        ));
    }
    // `buffer_body` already bounded the body (at MAX_SNAPSHOT_BYTES for this route).
    let bytes: Bytes = axum::body::to_bytes(req.into_body(), MAX_SNAPSHOT_BYTES)
        .await
        .map_err(|_| {
            ApiError::worded(catalog::BAD_REQUEST, "The request body could not be read.")
        })?;
    snapshots::restore_bytes(state, bytes).await
}

/// 303 See Other to the page, so a browser reload does not repeat the POST.
fn back() -> Redirect {
    Redirect::to("/_mock/ui")
}

/// An `application/x-www-form-urlencoded` body decoded into `T`; failures in Stytch's shape.
struct Form<T>(T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Form<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let ct = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !ct.starts_with("application/x-www-form-urlencoded") {
            return Err(ApiError::worded(
                catalog::INVALID_CONTENT_TYPE,
                "Dashboard forms must be sent as application/x-www-form-urlencoded.",
            ));
        }
        axum::Form::<T>::from_request(req, state)
            .await
            .map(|f| Form(f.0))
            .map_err(|e| ApiError::invalid_argument(format!("Invalid form: {}", e.body_text())))
    }
}
