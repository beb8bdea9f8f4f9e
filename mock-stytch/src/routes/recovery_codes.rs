//! Recovery codes, the backup for TOTP (CONTRACT §2.11): `POST /v1/b2b/recovery_codes/recover`,
//! `GET /v1/b2b/recovery_codes/{organization_id}/{member_id}`, `POST /v1/b2b/recovery_codes/rotate`.
//!
//! Recover spends one code and completes MFA exactly like a TOTP code (through
//! [`crate::mfa`]), adding a `recovery_codes` factor; it is restricted like TOTP by the
//! organization's `allowed_mfa_methods`. Without an *active* TOTP registration there are no codes
//! (`recovery_codes_not_found`). Get lists the unused codes; rotate replaces them all.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::http::{Body, Reply};
use crate::mfa::{self, Method, Options, Tokens};
use crate::model::recovery_codes;
use crate::model::session::SessionOptions;
use crate::model::totp::{self, Registration};
use crate::model::{Member, Organization, lockout};
use crate::routes::members::member_reply;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/b2b/recovery_codes/recover", post(recover))
        .route("/v1/b2b/recovery_codes/rotate", post(rotate))
        .route(
            "/v1/b2b/recovery_codes/{organization_id}/{member_id}",
            get(list),
        )
}

#[derive(Deserialize)]
struct RecoverRequest {
    organization_id: String,
    member_id: String,
    recovery_code: String,
    #[serde(flatten)]
    tokens: Tokens,
    #[serde(flatten)]
    session: SessionOptions,
}

async fn recover(
    State(state): State<AppState>,
    Body(req): Body<RecoverRequest>,
) -> ApiResult<Reply> {
    // recover takes no set_mfa_enrollment / set_default_mfa (§2.11).
    let options = Options {
        session: req.session,
        ..Options::default()
    };
    options.validate()?;
    let code = req.recovery_code.trim();
    if totp::looks_like_totp_code(code) {
        return Err(ApiError::of(catalog::TOTP_CODE_USED_AS_RECOVERY_CODE));
    }
    let mut tx = state.db.write().await?;
    let org = Organization::get(&mut tx, &req.organization_id).await?;
    let mut member = Member::get(&mut tx, &org.organization_id, &req.member_id).await?;
    let holder = mfa::required_holder(&mut tx, &state, &member, &org, &req.tokens).await?;
    mfa::ensure_allowed(&org, &member, Method::RecoveryCode)?;
    lockout::ensure_unlocked(&mut tx, &state, &mut member).await?;
    let reg = Registration::active(&mut tx, &state, &member.member_id)
        .await?
        .ok_or_else(recovery_codes::not_found)?;
    let Some(proven) = recovery_codes::redeem(&mut tx, &state, &reg, code).await? else {
        return Err(mfa::refuse(tx, &state, &mut member, recovery_codes::refused()).await);
    };
    let remaining = recovery_codes::unused(&mut tx, &reg).await?.len();
    let reply = mfa::complete(&mut tx, &state, &mut member, &org, holder, proven, &options).await?;
    let done = tx.commit(&state.ids).await?;
    reply
        .with("recovery_codes_remaining", remaining)
        .finish(&state, done)
        .await
}

async fn list(
    State(state): State<AppState>,
    Path((org_key, member_key)): Path<(String, String)>,
) -> ApiResult<Reply> {
    let mut conn = state.db.pool.acquire().await?;
    let org = Organization::get(&mut conn, &org_key).await?;
    let member = Member::get(&mut conn, &org.organization_id, &member_key).await?;
    let reg = Registration::active(&mut conn, &state, &member.member_id)
        .await?
        .ok_or_else(recovery_codes::not_found)?;
    let codes = recovery_codes::unused(&mut conn, &reg).await?;
    Ok(member_reply(&member, &org).with("recovery_codes", codes))
}

#[derive(Deserialize)]
struct RotateRequest {
    organization_id: String,
    member_id: String,
}

async fn rotate(State(state): State<AppState>, Body(req): Body<RotateRequest>) -> ApiResult<Reply> {
    let mut tx = state.db.write().await?;
    let org = Organization::get(&mut tx, &req.organization_id).await?;
    let member = Member::get(&mut tx, &org.organization_id, &req.member_id).await?;
    let mut reg = Registration::active(&mut tx, &state, &member.member_id)
        .await?
        .ok_or_else(recovery_codes::not_found)?;
    let codes = recovery_codes::rotate(&mut tx, &state, &mut reg).await?;
    tx.commit(&state.ids).await?;
    Ok(member_reply(&member, &org).with("recovery_codes", codes))
}
