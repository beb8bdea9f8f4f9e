//! SMS OTP as an MFA factor (CONTRACT §2.9): `POST /v1/b2b/otps/sms/send` and
//! `POST /v1/b2b/otps/sms/authenticate`.
//!
//! Send attaches `mfa_phone_number` to a member without one, refuses a different number, and puts
//! a fresh code in the outbox (killing the previous one). Sending to a verified phone is a
//! challenge and needs no token; sending to an unverified phone is an enrollment and, when the
//! member already has an active TOTP, needs an IST/session that completed MFA (§3 R6).
//! Authenticate completes MFA through [`crate::mfa`]. SMS is never a primary factor here.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use serde::Deserialize;

use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::http::{Body, Reply};
use crate::mfa::{self, Method, Options, Tokens};
use crate::model::{Member, Organization, lockout, sms, validate};
use crate::routes::members::member_reply;
use crate::state::AppState;

/// Locales Stytch's SMS templates exist in (§2.9).
const LOCALES: &[&str] = &[
    "en", "es", "pt-br", "fr", "it", "de-DE", "zh-Hans", "ca-ES", "ja", "ru", "nl", "pl", "tr",
    "fa", "vi", "cs",
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/b2b/otps/sms/send", post(send))
        .route("/v1/b2b/otps/sms/authenticate", post(authenticate))
}

pub fn member_phone_number_not_found() -> ApiError {
    ApiError::worded(
        catalog::MEMBER_PHONE_NUMBER_NOT_FOUND,
        "The member has no MFA phone number. Pass mfa_phone_number to attach one.",
    )
}

#[derive(Deserialize)]
struct SendRequest {
    organization_id: String,
    member_id: String,
    mfa_phone_number: Option<String>,
    locale: Option<String>,
    #[serde(flatten)]
    tokens: Tokens,
}

async fn send(State(state): State<AppState>, Body(req): Body<SendRequest>) -> ApiResult<Reply> {
    let phone = req
        .mfa_phone_number
        .as_deref()
        .filter(|p| !p.is_empty())
        .map(validate::phone_number)
        .transpose()?;
    if let Some(locale) = req.locale.as_deref().filter(|l| !l.is_empty()) {
        validate::one_of(locale, LOCALES, catalog::INVALID_ARGUMENT, "locale")?;
    }
    let mut tx = state.db.write().await?;
    let org = Organization::get(&mut tx, &req.organization_id).await?;
    let mut member = Member::get(&mut tx, &org.organization_id, &req.member_id).await?;
    mfa::ensure_allowed(&org, &member, Method::SmsOtp)?;
    let holder = mfa::holder(&mut tx, &state, &member, &org, &req.tokens).await?;

    let mut attached = false;
    match (member.mfa_phone_number.is_empty(), phone) {
        (true, None) => return Err(member_phone_number_not_found()),
        (true, Some(p)) => {
            member.mfa_phone_number = p;
            member.mfa_phone_number_verified = false;
            attached = true;
        }
        (false, Some(p)) if p != member.mfa_phone_number => {
            return Err(ApiError::worded(
                catalog::DUPLICATE_MEMBER_PHONE_NUMBER_FOR_MEMBER,
                "The member already has a different MFA phone number; delete it before sending to another.",
            ));
        }
        (false, _) => {}
    }
    // Sending to a verified phone is a challenge; to an unverified one, an enrollment.
    if !member.mfa_phone_number_verified {
        mfa::ensure_may_enroll(!member.totp_registration_id.is_empty(), holder.as_ref())?;
    }
    if attached {
        member.updated_at = crate::clock::rfc3339(state.clock.now_ts());
        member.save(&mut tx).await?;
    }
    let to = member.mfa_phone_number.clone();
    sms::issue(&mut tx, &state, &member, &to).await?;
    tx.commit(&state.ids).await?;
    Ok(member_reply(&member, &org))
}

#[derive(Deserialize)]
struct AuthenticateRequest {
    organization_id: String,
    member_id: String,
    code: String,
    #[serde(flatten)]
    tokens: Tokens,
    #[serde(flatten)]
    options: Options,
}

async fn authenticate(
    State(state): State<AppState>,
    Body(req): Body<AuthenticateRequest>,
) -> ApiResult<Reply> {
    req.options.validate()?;
    let mut tx = state.db.write().await?;
    let org = Organization::get(&mut tx, &req.organization_id).await?;
    let mut member = Member::get(&mut tx, &org.organization_id, &req.member_id).await?;
    let holder = mfa::required_holder(&mut tx, &state, &member, &org, &req.tokens).await?;
    mfa::ensure_allowed(&org, &member, Method::SmsOtp)?;
    lockout::ensure_unlocked(&mut tx, &state, &mut member).await?;
    if member.mfa_phone_number.is_empty() {
        return Err(member_phone_number_not_found());
    }
    // A code sent to a number the member no longer has verifies nothing.
    let sent_to: Option<String> =
        crate::db::sql::query_scalar("SELECT phone_number FROM sms_codes WHERE member_id = ?")
            .bind(&member.member_id)
            .fetch_optional(&mut tx)
            .await?;
    let checked = match sent_to {
        Some(p) if p != member.mfa_phone_number => Err(sms::Refusal::NotFound),
        _ => sms::check(&mut tx, &state, &member, req.code.trim()).await?,
    };
    let proven = match checked {
        Ok(proven) => proven,
        Err(refusal) => return Err(mfa::refuse(tx, &state, &mut member, refusal.error()).await),
    };
    member.mfa_phone_number_verified = true;
    let reply = mfa::complete(
        &mut tx,
        &state,
        &mut member,
        &org,
        holder,
        proven,
        &req.options,
    )
    .await?;
    let done = tx.commit(&state.ids).await?;
    reply.finish(&state, done).await
}
