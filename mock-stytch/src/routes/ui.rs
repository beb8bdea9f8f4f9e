//! The dashboard's routes under `/_mock/ui` (see [`crate::dashboard`]): `GET /_mock/ui` renders
//! the page; `POST /_mock/ui/clock` (form field `minutes`) and `POST /_mock/ui/reset` act and
//! answer 303 See Other back to `/_mock/ui`. Guarded by the same Basic credentials as the rest of
//! `/_mock` ([`crate::http::require_basic_auth`] adds a `WWW-Authenticate` challenge on these
//! paths so a browser prompts). Form bodies only; a bad form is a Stytch-shaped 4xx. There is no
//! CSRF token: the dashboard is a local test tool whose worst action is a reset.

use axum::Router;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::dashboard::{self, View};
use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::routes::control;
use crate::state::AppState;

/// Largest clock step the form accepts, in minutes (one week).
pub const MAX_MINUTES: i64 = 10_080;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_mock/ui", get(page))
        .route("/_mock/ui/clock", post(advance_clock))
        .route("/_mock/ui/reset", post(reset))
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
