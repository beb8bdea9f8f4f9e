//! Code entry: the SMS or TOTP code (at login, or for a step-up inside a session), switching
//! to another enrolled method or resending the SMS, and "use a recovery code".
//!
//! A Stytch fault on these steps retries from the challenge page. A code whose answer never
//! came (Stytch may have spent it) comes back to the challenge page asking for a new code.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use mfa_engine::{ChallengePrompt, ErrorKind, LoginStep, MfaMethod, ServiceError};
use minijinja::context;
use serde::Deserialize;

use super::{FlowCookie, InState, Purpose, notice, step_location};
use crate::csrf::CsrfForm;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::Page;

#[derive(Deserialize)]
pub struct ChallengeQuery {
    purpose: Option<String>,
    notice: Option<String>,
}

fn label(m: MfaMethod) -> &'static str {
    match m {
        MfaMethod::Sms => "a text message",
        MfaMethod::Totp => "your authenticator app",
    }
}

pub async fn page(
    page: Page,
    InState(prompt): InState<ChallengePrompt>,
    Query(q): Query<ChallengeQuery>,
) -> Result<Response, AppError> {
    let purpose = Purpose::parse(q.purpose.as_deref());
    let other_methods: Vec<_> = prompt
        .available
        .iter()
        .filter(|m| *m != prompt.method)
        .map(|m| context! { value => m.as_str(), label => label(m) })
        .collect();
    let html = page.render(
        "challenge.html",
        context! {
            notice => notice(q.notice.as_deref()),
            purpose => purpose.as_str(),
            step_up => purpose == Purpose::StepUp,
            method => prompt.method.as_str(),
            sms_sent => prompt.sms_sent,
            phone_number => prompt.phone_number,
            other_methods,
            recovery_code_allowed => prompt.recovery_code_allowed,
            show_recovery => q.notice.as_deref() == Some("wrong-recovery"),
            attempts_left => prompt.attempts_left,
        },
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
    purpose: Option<String>,
}

/// The challenge page of this purpose (where a failed step is retried from).
fn challenge_page(purpose: Purpose) -> String {
    format!("/challenge?purpose={}", purpose.as_str())
}

/// The result of a code submission: the next page, or this page again with a notice.
fn after_code(
    result: Result<LoginStep, ServiceError>,
    purpose: Purpose,
    wrong: &str,
) -> Result<Response, AppError> {
    let here = challenge_page(purpose);
    match result {
        Ok(step) => Ok(Redirect::to(&step_location(&step, purpose)).into_response()),
        Err(ServiceError::WrongCode { .. }) => {
            Ok(Redirect::to(&format!("{here}&notice={wrong}")).into_response())
        }
        // Stytch may have taken the code without our hearing: a new code is the way on.
        Err(e) if e.kind() == ErrorKind::NoAnswer => {
            Ok(Redirect::to(&format!("{here}&notice=code-unconfirmed")).into_response())
        }
        Err(e) => Err(AppError::retry_at(here)(e)),
    }
}

pub async fn code(
    State(state): State<AppState>,
    FlowCookie(flow_id): FlowCookie,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, AppError> {
    let purpose = Purpose::parse(form.purpose.as_deref());
    let code = form.code.trim().to_owned();
    let result = state.mfa.submit_code(flow_id, code.into()).await;
    after_code(result, purpose, "wrong-code")
}

pub async fn recovery(
    State(state): State<AppState>,
    FlowCookie(flow_id): FlowCookie,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<Response, AppError> {
    let purpose = Purpose::parse(form.purpose.as_deref());
    let code = form.code.trim().to_owned();
    let result = state.mfa.submit_recovery_code(flow_id, code.into()).await;
    after_code(result, purpose, "wrong-recovery")
}

#[derive(Deserialize)]
pub struct MethodForm {
    method: String,
    purpose: Option<String>,
}

/// "Use X instead" / "Send a new code".
pub async fn method(
    State(state): State<AppState>,
    FlowCookie(flow_id): FlowCookie,
    CsrfForm(form): CsrfForm<MethodForm>,
) -> Result<Response, AppError> {
    let purpose = Purpose::parse(form.purpose.as_deref());
    let method = MfaMethod::parse(&form.method).ok_or(AppError::BadForm)?;
    let prompt = state
        .mfa
        .use_method(flow_id, method)
        .await
        .map_err(AppError::retry_at(challenge_page(purpose)))?;
    let notice = if prompt.sms_sent && method == MfaMethod::Sms {
        "&notice=sms-sent"
    } else {
        ""
    };
    Ok(Redirect::to(&format!("/challenge?purpose={}{notice}", purpose.as_str())).into_response())
}
