//! Every way a request can fail, and the friendly page each becomes.
//!
//! Handlers return `Result<_, AppError>`; [`AppError::into_response`] picks a status, a plain
//! sentence and a way forward, and logs the detail. When Stytch is rate-limiting (429 with
//! `Retry-After`), down (503) or did not answer (503), the page says the sign-in is kept and
//! offers Retry: a GET of the step's own page, whose form re-posts with a fresh CSRF token
//! (a handler names that page with [`AppError::retry_at`]; a code is never echoed back).
//!
//! Must never put an error's `Debug`/`Display` text, a Stytch message or a stack trace in the
//! page: only the fixed sentences below.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use mfa_engine::{ErrorKind, ServiceError};

use crate::cookies::{self, FLOW_COOKIE};
use crate::views;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// An engine error of a step that can be retried from `retry` (a GET of the step's page,
    /// or [`THIS_PAGE`]). Only [`AppError::retry_at`] makes one.
    #[error("{error}")]
    Retryable {
        error: Box<ServiceError>,
        retry: String,
    },
    /// A POST without a valid CSRF token.
    #[error("CSRF token missing or wrong")]
    Csrf,
    /// A POST body that is not the form we rendered.
    #[error("malformed form")]
    BadForm,
    /// A page that needs a login flow, without one.
    #[error("no login flow cookie")]
    NoFlow,
    /// A page that is not available in this mode (the dashboard without the demo).
    #[error("not found")]
    NotFound,
    /// A Stytch link of a kind this app does not handle (e.g. a password-reset link).
    #[error("unsupported link type")]
    UnsupportedLink,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// What the error page says.
pub struct Friendly {
    pub status: StatusCode,
    pub title: &'static str,
    pub message: &'static str,
    pub link: (&'static str, &'static str),
    /// The flow behind the cookie is gone: drop the cookie too.
    pub forget_flow: bool,
    /// A "Retry" link (the step's page) when repeating the step is right.
    pub retry: Option<String>,
    /// Seconds for a `Retry-After` header (a rate limit).
    pub retry_after: Option<u32>,
}

/// A retry target meaning "this same URL again" (an empty `href`): for a GET step such as the
/// magic-link callback, whose URL carries the token the app must not echo into the page.
pub const THIS_PAGE: &str = "";

/// How long the 429 page asks the member to wait (Stytch's rate-limit windows are a minute).
pub const RATE_LIMIT_WAIT_SECS: u32 = 60;

const START_AGAIN: (&str, &str) = ("/login", "Sign in again");
const CONTINUE: (&str, &str) = ("/", "Continue");

fn page(
    status: StatusCode,
    title: &'static str,
    message: &'static str,
    link: (&'static str, &'static str),
    forget_flow: bool,
) -> Friendly {
    Friendly {
        status,
        title,
        message,
        link,
        forget_flow,
        retry: None,
        retry_after: None,
    }
}

/// The user-facing reading of an engine error, by its [`ErrorKind`] (never by its text).
/// `retry`: the step's page, for the errors where repeating the step is right (default `/`,
/// which resumes the flow where it is).
pub fn friendly_service(e: &ServiceError, retry: Option<&str>) -> Friendly {
    let mut f = friendly_kind(e.kind());
    if e.is_retryable() {
        f.retry = Some(retry.unwrap_or("/").to_owned());
    }
    if e.kind() == ErrorKind::RateLimited {
        f.retry_after = Some(RATE_LIMIT_WAIT_SECS);
    }
    f
}

fn friendly_kind(kind: ErrorKind) -> Friendly {
    use StatusCode as S;
    match kind {
        ErrorKind::FlowNotFound | ErrorKind::FlowExpired => page(
            S::GONE,
            "Your sign-in has expired",
            "This sign-in is no longer valid (it expired or was finished). Please sign in again.",
            START_AGAIN,
            true,
        ),
        ErrorKind::FlowStale | ErrorKind::WrongState => page(
            S::CONFLICT,
            "Already done in another tab",
            "This step was already completed in another tab or window. Continue from where that one left off.",
            CONTINUE,
            false,
        ),
        ErrorKind::WrongCode => page(
            S::BAD_REQUEST,
            "That code is not right",
            "The code did not match. Please check it and try again.",
            CONTINUE,
            false,
        ),
        ErrorKind::TooManyAttempts => page(
            S::TOO_MANY_REQUESTS,
            "Too many wrong codes",
            "For your safety this sign-in was stopped after too many wrong codes. Please sign in again.",
            START_AGAIN,
            true,
        ),
        ErrorKind::Locked => page(
            S::TOO_MANY_REQUESTS,
            "Account temporarily locked",
            "After too many failed attempts this account is locked for a while. Please try again later.",
            START_AGAIN,
            true,
        ),
        ErrorKind::NothingToOffer => page(
            S::CONFLICT,
            "Nothing to set up",
            "You already use every second factor your organization allows.",
            CONTINUE,
            false,
        ),
        ErrorKind::TransitionNotAllowed => page(
            S::BAD_REQUEST,
            "That option is not available",
            "Your organization does not allow that method here. Please pick one of the options shown.",
            CONTINUE,
            false,
        ),
        ErrorKind::PrimaryRequired => page(
            S::FORBIDDEN,
            "Another sign-in method is required",
            "Your organization requires a different way of signing in than the one you used.",
            START_AGAIN,
            true,
        ),
        ErrorKind::NoAllowedMfaMethod => page(
            S::FORBIDDEN,
            "No second factor available",
            "Your organization requires a second factor, but allows none that this app supports. Please contact your administrator.",
            START_AGAIN,
            true,
        ),
        ErrorKind::BadCredentials => page(
            S::UNAUTHORIZED,
            "Could not sign you in",
            "The email address or password is not right for this organization.",
            START_AGAIN,
            false,
        ),
        ErrorKind::BadPhoneNumber => page(
            S::BAD_REQUEST,
            "That phone number does not work",
            "Please enter the number in international format, for example +14155552671.",
            CONTINUE,
            false,
        ),
        ErrorKind::LinkUnusable => page(
            S::GONE,
            "This link no longer works",
            "The sign-in link expired or was already used. Please request a new one.",
            START_AGAIN,
            true,
        ),
        ErrorKind::Refused => page(
            S::BAD_REQUEST,
            "Request refused",
            "The request could not be completed. Please check what you entered and try again.",
            CONTINUE,
            false,
        ),
        ErrorKind::RateLimited => page(
            S::TOO_MANY_REQUESTS,
            "Too many attempts at Stytch",
            "Stytch is receiving too many requests for this sign-in right now. Your sign-in is kept: wait a minute, then press Retry.",
            CONTINUE,
            false,
        ),
        ErrorKind::StytchUnavailable => page(
            S::SERVICE_UNAVAILABLE,
            "Stytch is not answering",
            "Stytch could not handle the request right now. Your sign-in is kept: please press Retry.",
            CONTINUE,
            false,
        ),
        // Stytch may have acted: a retry either goes through or says the code or link was used.
        ErrorKind::NoAnswer => page(
            S::SERVICE_UNAVAILABLE,
            "Stytch did not answer",
            "Stytch did not answer in time, so we cannot tell whether this step went through. Your sign-in is kept: press Retry. If it then says your code or link was already used, request a new one.",
            CONTINUE,
            false,
        ),
        ErrorKind::Inconsistent | ErrorKind::Store => page(
            S::BAD_GATEWAY,
            "Something went wrong",
            "Something went wrong on our side. Please try again in a moment.",
            CONTINUE,
            false,
        ),
    }
}

impl AppError {
    pub fn friendly(&self) -> Friendly {
        use StatusCode as S;
        match self {
            AppError::Service(e) => friendly_service(e, None),
            AppError::Retryable { error, retry } => friendly_service(error, Some(retry)),
            AppError::Csrf => page(
                S::FORBIDDEN,
                "This form has expired",
                "For your security the form could not be accepted. Please go back, reload the page and try again.",
                CONTINUE,
                false,
            ),
            AppError::BadForm => page(
                S::BAD_REQUEST,
                "Something was missing",
                "The form was incomplete. Please go back and try again.",
                CONTINUE,
                false,
            ),
            AppError::NoFlow => page(
                S::UNAUTHORIZED,
                "You are not signed in",
                "Please sign in first.",
                START_AGAIN,
                false,
            ),
            AppError::NotFound => page(
                S::NOT_FOUND,
                "Page not found",
                "There is nothing at this address.",
                CONTINUE,
                false,
            ),
            AppError::UnsupportedLink => page(
                S::BAD_REQUEST,
                "This link is not for this app",
                "This app signs you in with magic links and passwords; it cannot open this kind of link.",
                START_AGAIN,
                false,
            ),
            AppError::Internal(_) => page(
                S::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "Something went wrong on our side. Please try again in a moment.",
                CONTINUE,
                false,
            ),
        }
    }

    /// Turn an engine error of a step into one whose page offers Retry at `retry` (when a
    /// retry is right for it; otherwise the plain error): `.map_err(AppError::retry_at(url))`.
    pub fn retry_at(retry: impl Into<String>) -> impl FnOnce(ServiceError) -> AppError {
        move |error| {
            if error.is_retryable() {
                AppError::Retryable {
                    error: Box::new(error),
                    retry: retry.into(),
                }
            } else {
                AppError::Service(error)
            }
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if matches!(self, AppError::NoFlow) {
            return Redirect::to("/login").into_response();
        }
        let f = self.friendly();
        if f.status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        } else {
            tracing::info!(error = %self, "request refused");
        }
        let mut resp = (f.status, views::error_page(&f)).into_response();
        if let Some(secs) = f.retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
        }
        if f.forget_flow {
            resp.headers_mut()
                .append(header::SET_COOKIE, cookies::clear(FLOW_COOKIE));
        }
        resp
    }
}
