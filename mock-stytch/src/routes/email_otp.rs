//! Organization-scoped email OTP (CONTRACT §2.12): `POST /v1/b2b/otps/email/login_or_signup` and
//! `/authenticate`.
//!
//! Sending puts an `email_otp` message with a 6-digit code in the outbox (default 10 min,
//! 2..=15); JIT provisioning follows the email rules of [`crate::model::provision`]. Authenticate
//! checks the code (wrong attempts are counted and committed even though the request fails),
//! activates the member, verifies the email and hands the `email_otp` factor to
//! [`crate::mfa::decide`]. The code is never logged.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use serde::Deserialize;

use crate::error::ApiResult;
use crate::http::{Body, Reply};
use crate::mfa::decide::{self, Primary, SessionArgs};
use crate::model::email_otp::{self, DEFAULT_MINUTES, MAX_MINUTES, MIN_MINUTES};
use crate::model::provision::{self, SANDBOX_EMAIL};
use crate::model::{Member, Organization, auth_token, factor, validate};
use crate::routes::members::member_reply;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/b2b/otps/email/login_or_signup", post(login_or_signup))
        .route("/v1/b2b/otps/email/authenticate", post(authenticate))
}

#[derive(Deserialize)]
#[allow(dead_code)] // templates and locale are accepted for fidelity; the mock renders no email
struct LoginOrSignupRequest {
    organization_id: String,
    email_address: String,
    login_template_id: Option<String>,
    signup_template_id: Option<String>,
    locale: Option<String>,
    login_expiration_minutes: Option<i64>,
    signup_expiration_minutes: Option<i64>,
}

async fn login_or_signup(
    State(state): State<AppState>,
    Body(req): Body<LoginOrSignupRequest>,
) -> ApiResult<Reply> {
    let email = validate::email(&req.email_address)?;
    let login = auth_token::minutes(
        req.login_expiration_minutes,
        DEFAULT_MINUTES,
        MIN_MINUTES,
        MAX_MINUTES,
        "login_expiration_minutes",
    )?;
    let signup = auth_token::minutes(
        req.signup_expiration_minutes,
        DEFAULT_MINUTES,
        MIN_MINUTES,
        MAX_MINUTES,
        "signup_expiration_minutes",
    )?;
    let mut tx = state.db.write().await?;
    let org = Organization::get(&mut tx, &req.organization_id).await?;
    let (member, created) =
        provision::member_for_email_login(&mut tx, &state, &org, &email).await?;
    if email != SANDBOX_EMAIL {
        let minutes = if member.status == "active" {
            login
        } else {
            signup
        };
        email_otp::issue(&mut tx, &state, &member, minutes).await?;
    }
    tx.commit(&state.ids).await?;
    Ok(member_reply(&member, &org).with("member_created", created))
}

#[derive(Deserialize)]
struct AuthenticateRequest {
    organization_id: String,
    email_address: String,
    code: String,
    #[serde(flatten)]
    args: SessionArgs,
}

async fn authenticate(
    State(state): State<AppState>,
    Body(req): Body<AuthenticateRequest>,
) -> ApiResult<Reply> {
    let email = validate::email(&req.email_address)?;
    let mut tx = state.db.write().await?;
    let ctx = req.args.load(&mut tx, &state).await?;
    let org = Organization::get(&mut tx, &req.organization_id).await?;
    let mut member = Member::find_by_email(&mut tx, &org.organization_id, &email)
        .await?
        .ok_or_else(|| email_otp::Refusal::NotFound.error())?;
    if let Err(refusal) = email_otp::check(&mut tx, &state, &member, &req.code).await? {
        tx.commit(&state.ids).await?;
        return Err(refusal.error());
    }
    if provision::inbox_proven(&state, &mut member) {
        member.save(&mut tx).await?;
    }
    let proven = factor::email_otp(&state.ids, &member, state.clock.now_ts());
    let d = decide::decide(
        &mut tx,
        &state,
        Primary {
            org: &org,
            member: &member,
            factor: Some(proven),
            carried: vec![],
        },
        ctx,
    )
    .await?;
    let done = tx.commit(&state.ids).await?;
    d.reply()
        .with("method_id", factor::email_id(&state.ids, &member))
        .finish(&state, done)
        .await
}
