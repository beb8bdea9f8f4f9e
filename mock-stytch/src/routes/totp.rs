//! TOTP as an MFA factor (CONTRACT §2.10): `POST /v1/b2b/totp` (create), `/v1/b2b/totp/authenticate`,
//! `/v1/b2b/totp/migrate`, plus the control helper `GET /_mock/totp/code` that tells a test the
//! current code of a member's registration (pending ones included, so enrollment is testable).
//!
//! Create mints a *pending* registration (secret, QR code, ten recovery codes) that becomes the
//! member's `totp_registration_id` only at its first successful authenticate. A create while an
//! active registration exists is `active_totp_exists`; a pending one is replaced. Migrate imports
//! an existing secret as an active registration. Authenticate completes MFA through
//! [`crate::mfa`]. The helper route exists only on the mock and never on real Stytch.

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use serde::Deserialize;

use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::http::{Body, Params, Reply};
use crate::mfa::{self, Method, Options, Tokens};
use crate::model::recovery_codes;
use crate::model::totp::{self, Registration, Status};
use crate::model::{Member, Organization, lockout};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/b2b/totp", post(create))
        .route("/v1/b2b/totp/authenticate", post(authenticate))
        .route("/v1/b2b/totp/migrate", post(migrate))
        .route("/_mock/totp/code", get(current_code))
}

fn active_totp_exists() -> ApiError {
    ApiError::of(catalog::ACTIVE_TOTP_EXISTS)
}

#[derive(Deserialize)]
struct CreateRequest {
    organization_id: String,
    member_id: String,
    expiration_minutes: Option<i64>,
    #[serde(flatten)]
    tokens: Tokens,
}

async fn create(State(state): State<AppState>, Body(req): Body<CreateRequest>) -> ApiResult<Reply> {
    let minutes = totp::expiration_minutes(req.expiration_minutes)?;
    let mut tx = state.db.write().await?;
    let org = Organization::get(&mut tx, &req.organization_id).await?;
    let member = Member::get(&mut tx, &org.organization_id, &req.member_id).await?;
    mfa::ensure_allowed(&org, &member, Method::Totp)?;
    let holder = mfa::holder(&mut tx, &state, &member, &org, &req.tokens).await?;
    if Registration::active(&mut tx, &state, &member.member_id)
        .await?
        .is_some()
    {
        return Err(active_totp_exists());
    }
    mfa::ensure_may_enroll(member.mfa_phone_number_verified, holder.as_ref())?;
    let reg =
        Registration::create(&mut tx, &state, &member, Status::Pending, None, minutes).await?;
    let codes = recovery_codes::mint(&mut tx, &state, &reg, None).await?;
    tx.commit(&state.ids).await?;
    // Rendered after the commit: the PNG is CPU work the write lock must not wait for.
    let qr_code = totp::qr_data_uri(&totp::otpauth_uri(
        &org.organization_name,
        &member.email_address,
        &reg.secret,
    ))?;
    Ok(Reply::empty()
        .with("member_id", &member.member_id)
        .with("totp_registration_id", &reg.totp_registration_id)
        .with("secret", &reg.secret)
        .with("qr_code", qr_code)
        .with("recovery_codes", codes)
        .with("member", &member)
        .with("organization", &org))
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
    let code = req.code.trim();
    if recovery_codes::looks_like_recovery_code(code) {
        return Err(ApiError::of(catalog::RECOVERY_CODE_USED_AS_TOTP_CODE));
    }
    let mut tx = state.db.write().await?;
    let org = Organization::get(&mut tx, &req.organization_id).await?;
    let mut member = Member::get(&mut tx, &org.organization_id, &req.member_id).await?;
    let holder = mfa::required_holder(&mut tx, &state, &member, &org, &req.tokens).await?;
    mfa::ensure_allowed(&org, &member, Method::Totp)?;
    lockout::ensure_unlocked(&mut tx, &state, &mut member).await?;
    let mut reg = Registration::current(&mut tx, &state, &member.member_id)
        .await?
        .ok_or_else(totp::not_found)?;
    let checked = if totp::looks_like_totp_code(code) {
        reg.check(&mut tx, &state, code).await?
    } else {
        Err(totp::Refusal::Wrong)
    };
    let proven = match checked {
        Ok(proven) => proven,
        Err(refusal) => return Err(mfa::refuse(tx, &state, &mut member, refusal.error()).await),
    };
    reg.activate(&mut tx, &mut member).await?;
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

#[derive(Deserialize)]
struct MigrateRequest {
    organization_id: String,
    member_id: String,
    secret: String,
    #[serde(default)]
    recovery_codes: Vec<String>,
}

/// Import a secret from another system: the registration is active at once (the member already
/// uses it), with the given recovery codes or ten minted ones when none are given.
async fn migrate(
    State(state): State<AppState>,
    Body(req): Body<MigrateRequest>,
) -> ApiResult<Reply> {
    let secret = totp::normalise_secret(&req.secret)?;
    let given = recovery_codes::normalise_given(&req.recovery_codes)?;
    let mut tx = state.db.write().await?;
    let org = Organization::get(&mut tx, &req.organization_id).await?;
    let mut member = Member::get(&mut tx, &org.organization_id, &req.member_id).await?;
    mfa::ensure_allowed(&org, &member, Method::Totp)?;
    if Registration::active(&mut tx, &state, &member.member_id)
        .await?
        .is_some()
    {
        return Err(active_totp_exists());
    }
    let reg =
        Registration::create(&mut tx, &state, &member, Status::Active, Some(secret), 0).await?;
    let codes =
        recovery_codes::mint(&mut tx, &state, &reg, (!given.is_empty()).then_some(given)).await?;
    member.totp_registration_id = reg.totp_registration_id.clone();
    member.updated_at = crate::clock::rfc3339(state.clock.now_ts());
    member.save(&mut tx).await?;
    tx.commit(&state.ids).await?;
    Ok(Reply::empty()
        .with("member_id", &member.member_id)
        .with("member", &member)
        .with("organization", &org)
        .with("totp_registration_id", &reg.totp_registration_id)
        .with("recovery_codes", codes))
}

#[derive(Deserialize)]
struct CodeParams {
    organization_id: String,
    member_id: String,
}

/// `GET /_mock/totp/code?organization_id=&member_id=` →
/// `{code, seconds_remaining, totp_registration_id, status}` at the virtual now.
async fn current_code(
    State(state): State<AppState>,
    Params(q): Params<CodeParams>,
) -> ApiResult<Reply> {
    let mut conn = state.db.pool.acquire().await?;
    let org = Organization::get(&mut conn, &q.organization_id).await?;
    let member = Member::get(&mut conn, &org.organization_id, &q.member_id).await?;
    let reg = Registration::current(&mut conn, &state, &member.member_id)
        .await?
        .ok_or_else(totp::not_found)?;
    let now = state.clock.now_ts();
    Ok(Reply::empty()
        .with("code", totp::code_at(&reg.secret, now)?)
        .with("seconds_remaining", totp::seconds_remaining(now))
        .with("totp_registration_id", &reg.totp_registration_id)
        .with("status", &reg.status))
}
