//! The router: one module per part of the login journey, each handler one user action that
//! calls one `MfaService` method and redirects (POST → 303 → GET) to the page for the step
//! the engine returned.
//!
//! `signin.rs` (sign-in, magic-link callback, sign-out), `enroll.rs` (choose / SMS / TOTP /
//! confirm), `challenge.rs` (code entry, switch method, recovery code), `home.rs` (org home,
//! optional enrollment, step-up), `in_state.rs` (the [`InState`] extractor: a page names the
//! state it needs). Handlers never call Stytch for a flow step themselves, and never read a
//! POST body except through [`crate::csrf::CsrfForm`].

mod challenge;
mod enroll;
mod home;
mod in_state;
mod signin;

pub use in_state::{InState, PageState};

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get, post};
use mfa_engine::{FlowId, LoginStep};
use minijinja::Value;
use minijinja::context;

use crate::cookies::{self, FLOW_COOKIE};
use crate::error::AppError;
use crate::state::AppState;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(signin::root))
        .route("/login", get(signin::login_page))
        .route("/login/password", post(signin::login_password))
        .route("/login/magic-link", post(signin::send_magic_link))
        .route("/authenticate", get(signin::authenticate))
        .route("/logout", post(signin::logout))
        .route("/enroll", get(enroll::page))
        .route("/enroll/sms", post(enroll::sms))
        .route("/enroll/totp", post(enroll::totp))
        .route("/enroll/confirm", post(enroll::confirm))
        .route("/challenge", get(challenge::page))
        .route("/challenge/code", post(challenge::code))
        .route("/challenge/method", post(challenge::method))
        .route("/challenge/recovery", post(challenge::recovery))
        .route("/home", get(home::page))
        .route("/home/enroll", post(home::add_factor))
        .route("/home/step-up", post(home::step_up))
        .route("/_mock/ui", any(crate::proxy::dashboard))
        .route("/_mock/ui/{*rest}", any(crate::proxy::dashboard))
        .fallback(|| async { AppError::NotFound })
        .layer(middleware::from_fn(crate::csrf::ensure_cookie))
        .with_state(state)
}

/// The flow id from the `mfa_flow` cookie; pages that need one redirect to sign-in without it.
pub struct FlowCookie(pub FlowId);

impl<S: Send + Sync> FromRequestParts<S> for FlowCookie {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        cookies::flow_id(&parts.headers)
            .map(FlowCookie)
            .ok_or(AppError::NoFlow)
    }
}

/// Where the browser goes for a step the engine returned.
pub fn step_location(step: &LoginStep, purpose: Purpose) -> String {
    match step {
        LoginStep::SignedIn(_) => match purpose {
            Purpose::StepUp => "/home?notice=stepped-up".to_owned(),
            Purpose::Login => "/home?notice=signed-in".to_owned(),
        },
        LoginStep::Enroll(_) => "/enroll".to_owned(),
        LoginStep::Challenge(p) => {
            let notice = if p.sms_sent { "&notice=sms-sent" } else { "" };
            format!("/challenge?purpose={}{notice}", purpose.as_str())
        }
    }
}

/// A new flow: remember it in the cookie and go to its first page.
pub fn start_flow(step: &LoginStep) -> Response {
    let cookie = cookies::set(FLOW_COOKIE, &step.flow_id().to_string());
    (
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&step_location(step, Purpose::Login)),
    )
        .into_response()
}

/// Why a challenge is shown: finishing a login, or re-confirming inside a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Login,
    StepUp,
}

impl Purpose {
    pub fn parse(s: Option<&str>) -> Purpose {
        match s {
            Some("step-up") => Purpose::StepUp,
            _ => Purpose::Login,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Login => "login",
            Purpose::StepUp => "step-up",
        }
    }
}

/// The message banner for `?notice=...`; unknown keys show nothing.
pub fn notice(key: Option<&str>) -> Value {
    let (kind, text) = match key.unwrap_or("") {
        "signed-in" => ("info", "You are signed in."),
        "signed-out" => ("info", "You have signed out."),
        "stepped-up" => (
            "info",
            "Confirmed with your second factor: the sensitive action is done.",
        ),
        "enrolled" => ("info", "Your second factor is set up."),
        "sms-sent" => ("info", "We sent you a new code by SMS."),
        "wrong-code" => ("error", "That code is not right. Please try again."),
        "code-unconfirmed" => (
            "error",
            "We could not confirm your code: Stytch did not answer. Please request a new code (or use the next code from your authenticator app) and enter it.",
        ),
        "wrong-recovery" => (
            "error",
            "That recovery code is not right or was already used.",
        ),
        "bad-phone" => (
            "error",
            "That phone number does not work. Use international format, e.g. +14155552671.",
        ),
        "bad-credentials" => (
            "error",
            "The email address or password is not right for this organization.",
        ),
        "missing-password" => (
            "error",
            "Enter your password, or choose \"Email me a sign-in link\".",
        ),
        _ => return Value::from(()),
    };
    context! { kind, text }
}
