//! Passwords (CONTRACT §2.4): authenticate, strength_check, migrate; the resets (email reset
//! start / reset, existing-password reset, session reset) are in
//! [`crate::routes::password_resets`], merged into [`routes`]. The choices below hold for both.
//!
//! Hashes are made and checked by [`crate::model::password`] and stay in the members table; no
//! response carries one. An existing password is judged through
//! [`crate::routes::password_check`] (verified outside the write lock, counted inside it). Every
//! endpoint that proves a password ends in [`crate::mfa::decide`].
//! Choices where Stytch is UNCONFIRMED:
//! * wrong password, unknown email and "member has no password" all answer 401
//!   `unauthorized_credentials` (no member enumeration);
//! * a reset by email proves the inbox and the new password: the bag gets both a `magic_link`
//!   and a `password` factor, the member becomes active with a verified email;
//! * the resets revoke the member's other sessions; a same-member session passed in is kept and
//!   gets the factor (so step-up works as R2.1 says);
//! * `email/reset/start` for an unknown email is 404 `member_not_found` (no JIT here);
//! * new passwords must pass zxcvbn (score ≥ 3), else 400 `weak_password`;
//! * brute force: a wrong password for an existing member (`authenticate`, and the existing
//!   password of `existing_password/reset`) counts toward the same user lock as failed MFA codes
//!   ([`crate::model::lockout`]: `lockout_threshold` consecutive failures, default 10, lock the
//!   member for `lockout_seconds`, default 1 h). A locked member gets 429
//!   `user_lock_limit_reached` even with the right password. Only a password login that ends in a
//!   session resets the count; one that still owes MFA does not. Unknown emails and members
//!   without a password are not counted (there is no one to lock).

use crate::db::Conn;
use axum::Router;
use axum::extract::State;
use axum::routing::post;
use serde::Deserialize;
use serde_json::Value;

use crate::db::WriteTx;
use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::http::{Body, Reply};
use crate::mfa;
use crate::mfa::decide::{self, Primary, SessionArgs};
use crate::model::password::{self, Argon2Config};
use crate::model::{Member, Organization, factor, lockout, provision, validate};
use crate::routes::members::member_reply;
use crate::routes::password_check::password_tx;
use crate::routes::password_resets;
use crate::state::AppState;

pub const DEFAULT_RESET_MINUTES: i64 = 30;
/// `passwords.session.reset` needs a factor proven this recently (§1.9).
pub const SESSION_RESET_WINDOW_SECONDS: i64 = 300;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/b2b/passwords/authenticate", post(authenticate))
        .route("/v1/b2b/passwords/strength_check", post(strength_check))
        .route("/v1/b2b/passwords/migrate", post(migrate))
        .merge(password_resets::routes())
}

#[derive(Deserialize)]
struct AuthenticateRequest {
    organization_id: String,
    email_address: String,
    password: String,
    #[serde(flatten)]
    args: SessionArgs,
}

/// A wrong password: count it toward the member's lock, commit, answer 401.
pub(crate) async fn refuse(tx: WriteTx, state: &AppState, mut member: Member) -> ApiError {
    mfa::refuse(tx, state, &mut member, password::wrong_credentials()).await
}

/// A password login that ends in a session starts the failure count again; one that still owes
/// MFA does not (else a known password would reset the count between MFA guesses).
pub(crate) async fn settle(conn: &mut Conn, d: &decide::Decision) -> ApiResult<()> {
    if d.member_authenticated {
        lockout::forget_failures(conn, &d.member_id).await?;
    }
    Ok(())
}

async fn authenticate(
    State(state): State<AppState>,
    Body(req): Body<AuthenticateRequest>,
) -> ApiResult<Reply> {
    let (mut tx, ctx, checked) = password_tx(
        &state,
        &req.args,
        &req.organization_id,
        &req.email_address,
        &req.password,
    )
    .await?;
    let (org, member) = match checked {
        Ok(found) => found,
        Err(member) => return Err(refuse(tx, &state, member).await),
    };
    let proven = factor::password(&state.ids, &member, state.clock.now_ts());
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
    settle(&mut tx, &d).await?;
    let done = tx.commit(&state.ids).await?;
    d.reply().finish(&state, done).await
}

#[derive(Deserialize)]
struct StrengthRequest {
    password: String,
    email_address: Option<String>,
}

async fn strength_check(Body(req): Body<StrengthRequest>) -> ApiResult<Reply> {
    Ok(Reply::of(&password::strength(
        &req.password,
        req.email_address.as_deref(),
    )))
}

#[derive(Deserialize)]
#[allow(dead_code)] // preserve_existing_sessions concerns role changes, which migrate does not revoke here
struct MigrateRequest {
    organization_id: String,
    email_address: String,
    hash: String,
    hash_type: String,
    argon_2_config: Option<Argon2Config>,
    name: Option<String>,
    trusted_metadata: Option<Value>,
    untrusted_metadata: Option<Value>,
    roles: Option<Vec<String>>,
    preserve_existing_sessions: Option<bool>,
    mfa_phone_number: Option<String>,
    set_phone_number_verified: Option<bool>,
    external_id: Option<String>,
}

async fn migrate(
    State(state): State<AppState>,
    Body(req): Body<MigrateRequest>,
) -> ApiResult<Reply> {
    let email = validate::email(&req.email_address)?;
    let stored = password::migrated(&req.hash_type, &req.hash, req.argon_2_config.as_ref())?;
    let phone = req
        .mfa_phone_number
        .as_deref()
        .filter(|p| !p.is_empty())
        .map(validate::phone_number)
        .transpose()?;
    for (field, v) in [
        ("trusted_metadata", &req.trusted_metadata),
        ("untrusted_metadata", &req.untrusted_metadata),
    ] {
        if v.as_ref().is_some_and(|v| !v.is_object()) {
            return Err(ApiError::invalid_argument(format!(
                "{field} must be an object."
            )));
        }
    }
    let mut tx = state.db.write().await?;
    let org = Organization::get(&mut tx, &req.organization_id).await?;
    let (mut member, created) =
        match Member::find_by_email(&mut tx, &org.organization_id, &email).await? {
            Some(m) => (m, false),
            None => (
                provision::create_member(&mut tx, &state, &org, &email, "active").await?,
                true,
            ),
        };
    password::set(&mut tx, &state, &mut member, &stored).await?;
    member.email_address_verified = true;
    if let Some(name) = req.name {
        member.name = name;
    }
    if let Some(m) = req.trusted_metadata {
        member.trusted_metadata = m;
    }
    if let Some(m) = req.untrusted_metadata {
        member.untrusted_metadata = m;
    }
    if let Some(roles) = req.roles {
        member.set_roles(&roles);
    }
    if let Some(phone) = phone {
        if !member.mfa_phone_number.is_empty() && member.mfa_phone_number != phone {
            return Err(ApiError::of(
                catalog::DUPLICATE_MEMBER_PHONE_NUMBER_FOR_MEMBER,
            ));
        }
        member.mfa_phone_number = phone;
        member.mfa_phone_number_verified = req.set_phone_number_verified.unwrap_or(false);
    }
    if let Some(ext) = req.external_id {
        member.external_id = (!ext.is_empty()).then_some(ext);
    }
    member.updated_at = crate::clock::rfc3339(state.clock.now_ts());
    member.save(&mut tx).await?;
    tx.commit(&state.ids).await?;
    Ok(member_reply(&member, &org).with("member_created", created))
}
