//! Every way a request can fail, and the friendly page each becomes.
//!
//! Handlers return `Result<_, AppError>`; [`AppError::into_response`] picks a status, a plain
//! sentence and a way forward, and logs the detail. Must never put an error's `Debug`/`Display`
//! text, a Stytch message or a stack trace in the page: only the fixed sentences below.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use mfa_engine::{ErrorKind, ServiceError};

use crate::cookies::{self, FLOW_COOKIE};
use crate::views;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Service(#[from] ServiceError),
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
}

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
    }
}

/// The user-facing reading of an engine error, by its [`ErrorKind`] (never by its text).
pub fn friendly_service(e: &ServiceError) -> Friendly {
    use StatusCode as S;
    match e.kind() {
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
        ErrorKind::StytchUnavailable | ErrorKind::Inconsistent | ErrorKind::Store => page(
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
            AppError::Service(e) => friendly_service(e),
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
        if f.forget_flow {
            resp.headers_mut()
                .append(header::SET_COOKIE, cookies::clear(FLOW_COOKIE));
        }
        resp
    }
}
