//! The router: one module per API family, all behind Basic auth except the open routes, all
//! inside the envelope middleware (request id, Stytch body shapes, request log) and, inside
//! that, the fault injector ([`crate::faults::inject`], API routes only).
//!
//! [`router`] is separate from serving so tests can `oneshot` it without a socket.

pub mod control;
pub mod discovery;
pub mod email_otp;
pub mod faults;
pub mod fixtures;
pub mod har;
pub mod magic_links;
pub mod member_factors;
pub mod members;
pub mod organizations;
pub mod otp_sms;
pub mod password_check;
pub mod password_resets;
pub mod passwords;
pub mod recovery_codes;
pub mod search;
pub mod sessions;
pub mod snapshots;
pub mod sso_oauth;
pub mod totp;
pub mod ui;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::get;

use crate::error::ApiError;
use crate::error::catalog;
use crate::http::{buffer_body, envelope, require_basic_auth};
use crate::state::AppState;

/// Routes that answer without credentials (JWKS fetchers send none; health is for probes).
pub fn open_routes() -> Router<AppState> {
    Router::new()
        .route("/_mock/health", get(control::health))
        .merge(sessions::open_routes())
}

/// Every route that requires `project_id:secret`.
pub fn guarded_routes() -> Router<AppState> {
    Router::new()
        .merge(organizations::routes())
        .merge(members::routes())
        .merge(control::routes())
        .merge(faults::routes())
        .merge(fixtures::routes())
        .merge(otp_sms::routes())
        .merge(totp::routes())
        .merge(recovery_codes::routes())
        .merge(magic_links::routes())
        .merge(email_otp::routes())
        .merge(passwords::routes())
        .merge(sso_oauth::routes())
        .merge(sessions::routes())
        .merge(discovery::routes())
        .merge(snapshots::routes())
        .merge(ui::routes())
}

/// Layering, outermost first: the envelope (request id, body shapes, log), the body buffer,
/// then per route Basic auth (guarded routes) and fault injection: a request with bad
/// credentials gets its 401 whatever rule matches, the open JWKS route can be faulted too.
pub fn router(state: AppState) -> Router {
    let faults = || from_fn_with_state(state.clone(), crate::faults::inject::inject);
    Router::new()
        .merge(
            guarded_routes()
                .route_layer(faults())
                .route_layer(from_fn_with_state(state.clone(), require_basic_auth)),
        )
        .merge(open_routes().route_layer(faults()))
        .fallback(|| async { ApiError::of(catalog::ROUTE_NOT_FOUND) })
        .layer(axum::middleware::from_fn(buffer_body))
        .layer(from_fn_with_state(state.clone(), envelope))
        .with_state(state)
}
