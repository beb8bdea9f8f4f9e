//! The organization home page (signed in), optional enrollment of another factor, and the
//! step-up action. Reads the member and organization from Stytch for display only.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use mfa_engine::{ServiceError, SignedIn};
use minijinja::context;
use serde::Deserialize;
use stytch_client::wire::{MfaMethod, MfaMethods, MfaPolicy};

use super::{FlowCookie, InState, notice};
use crate::csrf::{CsrfForm, NoFields};
use crate::error::AppError;
use crate::state::AppState;
use crate::views::Page;

#[derive(Deserialize)]
pub struct HomeQuery {
    notice: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    page: Page,
    InState(signed_in): InState<SignedIn>,
    Query(q): Query<HomeQuery>,
) -> Result<Response, AppError> {
    let resp = state
        .mfa
        .stytch()
        .members_get(&signed_in.organization_id, &signed_in.member_id)
        .await
        .map_err(ServiceError::from)?;
    let (org, member) = (resp.organization, resp.member);
    let restricted = org.mfa_methods == MfaMethods::Restricted;
    let allows = |m: MfaMethod| !restricted || org.allowed_mfa_methods.contains(&m);
    let sms_enrolled = member.mfa_phone_number_verified && member.mfa_phone_number.is_some();
    let totp_enrolled = member.totp_registration_id.is_some();
    let can_add =
        (allows(MfaMethod::SmsOtp) && !sms_enrolled) || (allows(MfaMethod::Totp) && !totp_enrolled);
    let can_step_up =
        (allows(MfaMethod::SmsOtp) && sms_enrolled) || (allows(MfaMethod::Totp) && totp_enrolled);
    let policy = match (org.mfa_policy, restricted) {
        (MfaPolicy::Optional, _) => "optional",
        (_, true) => "required, restricted methods",
        _ => "required for everyone",
    };
    let html = page.render(
        "home.html",
        context! {
            notice => notice(q.notice.as_deref()),
            org_name => org.organization_name,
            email => member.email_address,
            policy,
            optional_policy => org.mfa_policy == MfaPolicy::Optional,
            sms_enrolled,
            phone_number => member.mfa_phone_number,
            totp_enrolled,
            default_method => member.default_mfa_method.map(|m| m.as_str()),
            can_add,
            can_step_up,
        },
    )?;
    Ok(html.into_response())
}

#[derive(Deserialize)]
pub struct AddFactorForm {
    require_at_login: Option<String>,
}

/// Optional enrollment: set up another factor while signed in.
pub async fn add_factor(
    State(state): State<AppState>,
    FlowCookie(flow_id): FlowCookie,
    CsrfForm(form): CsrfForm<AddFactorForm>,
) -> Result<Response, AppError> {
    state
        .mfa
        .begin_enrollment(flow_id, form.require_at_login.is_some())
        .await?;
    Ok(Redirect::to("/enroll").into_response())
}

/// "Confirm with your second factor" before a sensitive action; enrollment is unchanged.
pub async fn step_up(
    State(state): State<AppState>,
    FlowCookie(flow_id): FlowCookie,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> Result<Response, AppError> {
    let prompt = state.mfa.begin_step_up(flow_id).await?;
    let notice = if prompt.sms_sent {
        "&notice=sms-sent"
    } else {
        ""
    };
    Ok(Redirect::to(&format!("/challenge?purpose=step-up{notice}")).into_response())
}
