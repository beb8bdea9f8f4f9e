//! [`InState<S>`]: a handler names the login state it needs in its signature. The extractor
//! reads the flow cookie, asks the engine where the flow is, and hands the handler that state's
//! prompt; a flow in another state is redirected to its own page (303, never a panic or a
//! 500), a missing or dead flow becomes the usual friendly error. This is the one place that
//! does "resume, match, redirect"; handlers must not repeat it.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use mfa_engine::{ChallengePrompt, EnrollPrompt, LoginStep, SignedIn};
use serde::Deserialize;

use super::{FlowCookie, Purpose, step_location};
use crate::error::AppError;
use crate::state::AppState;

/// The flow behind the cookie, known to be in state `S` (a page's prompt).
pub struct InState<S>(pub S);

/// A state a page can ask for: which [`LoginStep`] it is.
pub trait PageState: Sized + Send {
    /// `Ok` if `step` is this state, else the step back (the flow is elsewhere).
    #[allow(clippy::result_large_err)] // the `Err` is the step itself, moved once
    fn from_step(step: LoginStep) -> Result<Self, LoginStep>;
}

impl PageState for EnrollPrompt {
    fn from_step(step: LoginStep) -> Result<Self, LoginStep> {
        match step {
            LoginStep::Enroll(p) => Ok(p),
            other => Err(other),
        }
    }
}

impl PageState for ChallengePrompt {
    fn from_step(step: LoginStep) -> Result<Self, LoginStep> {
        match step {
            LoginStep::Challenge(p) => Ok(p),
            other => Err(other),
        }
    }
}

impl PageState for SignedIn {
    fn from_step(step: LoginStep) -> Result<Self, LoginStep> {
        match step {
            LoginStep::SignedIn(s) => Ok(s),
            other => Err(other),
        }
    }
}

/// Only `purpose` matters here: a step-up that already finished goes back home as one.
#[derive(Deserialize)]
struct PurposeQuery {
    purpose: Option<String>,
}

impl<S: PageState> FromRequestParts<AppState> for InState<S> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let FlowCookie(flow_id) = FlowCookie::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let step = state
            .mfa
            .resume(flow_id)
            .await
            .map_err(|e| AppError::from(e).into_response())?;
        S::from_step(step).map(InState).map_err(|elsewhere| {
            let purpose = parts
                .uri
                .query()
                .and_then(|q| serde_urlencoded::from_str::<PurposeQuery>(q).ok())
                .and_then(|q| q.purpose);
            let purpose = Purpose::parse(purpose.as_deref());
            Redirect::to(&step_location(&elsewhere, purpose)).into_response()
        })
    }
}
