//! Enrollment: choose a method (only those the organization allows), SMS (phone form, code),
//! TOTP (QR + secret + recovery codes, shown once), confirm with a code.

use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use mfa_engine::{EnrollPrompt, EnrollmentStarted, ErrorKind, ServiceError};
use minijinja::context;
use serde::Deserialize;
use stytch_client::secret::ExposeSecretStr;

use super::{FlowCookie, InState, notice};
use crate::csrf::{CsrfForm, NoFields};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::Page;

#[derive(Deserialize)]
pub struct EnrollQuery {
    notice: Option<String>,
}

/// `/enroll`: the method choice, or the code form once a method was started.
pub async fn page(
    page: Page,
    InState(prompt): InState<EnrollPrompt>,
    Query(q): Query<EnrollQuery>,
) -> Result<Response, AppError> {
    let offered = context! { sms => prompt.offered.sms, totp => prompt.offered.totp };
    let notice = notice(q.notice.as_deref());
    let html = match &prompt.started {
        None => page.render("enroll_choose.html", context! { offered, notice })?,
        Some(EnrollmentStarted::Sms { phone_number }) => page.render(
            "enroll_code.html",
            context! { method => "sms_otp", phone_number, offered, notice },
        )?,
        Some(EnrollmentStarted::Totp { .. }) => page.render(
            "enroll_code.html",
            context! { method => "totp", offered, notice },
        )?,
    };
    Ok(html.into_response())
}

#[derive(Deserialize)]
pub struct PhoneForm {
    phone: String,
}

pub async fn sms(
    State(state): State<AppState>,
    FlowCookie(flow_id): FlowCookie,
    CsrfForm(form): CsrfForm<PhoneForm>,
) -> Result<Response, AppError> {
    let phone: String = form.phone.chars().filter(|c| !c.is_whitespace()).collect();
    match state.mfa.enroll_sms(flow_id, &phone).await {
        Ok(_) => Ok(Redirect::to("/enroll?notice=sms-sent").into_response()),
        Err(e) if e.kind() == ErrorKind::BadPhoneNumber => {
            Ok(Redirect::to("/enroll?notice=bad-phone").into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Start TOTP and show the QR code, the secret and the recovery codes — this response is the
/// only time they are shown, so it is rendered directly and never cached. The QR image is
/// Stytch's own `qr_code` (a PNG data URL from `totps.create`, labelled with the organization
/// and the member's email), shown as returned: the app draws nothing itself.
pub async fn totp(
    State(state): State<AppState>,
    page: Page,
    FlowCookie(flow_id): FlowCookie,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let setup = state.mfa.enroll_totp(flow_id).await?;
    let recovery_codes: Vec<&str> = setup
        .recovery_codes
        .iter()
        .map(|c| c.expose_secret())
        .collect();
    let html = page.render(
        "totp_setup.html",
        context! {
            qr_png => setup.qr_code,
            secret => setup.secret.expose_secret(),
            recovery_codes,
        },
    )?;
    Ok(([(header::CACHE_CONTROL, "no-store")], html).into_response())
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    code: String,
    make_default: Option<String>,
}

pub async fn confirm(
    State(state): State<AppState>,
    FlowCookie(flow_id): FlowCookie,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<Response, AppError> {
    let code = form.code.trim().to_owned();
    match state
        .mfa
        .confirm_enrollment_with(flow_id, code.into(), form.make_default.is_some())
        .await
    {
        Ok(_) => Ok(Redirect::to("/home?notice=enrolled").into_response()),
        Err(ServiceError::WrongCode { .. }) => {
            Ok(Redirect::to("/enroll?notice=wrong-code").into_response())
        }
        Err(e) => Err(e.into()),
    }
}
