//! Passwords (CONTRACT §2.4): authenticate, strength_check, migrate, email reset start / reset,
//! existing-password reset and session reset.
//!
//! Hashes are made and checked by [`crate::model::password`] and stay in the members table; no
//! response carries one. An existing password is judged through
//! [`crate::routes::password_check`] (verified outside the write lock, counted inside it). Every
//! endpoint that proves a password ends in [`crate::decide`].
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

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::SqliteConnection;

use crate::db::WriteTx;
use crate::decide::{self, Context, Primary, SessionArgs};
use crate::error::{ApiError, ApiResult};
use crate::http::{Body, Reply};
use crate::model::auth_token::{self, Kind, Refusal};
use crate::model::password::{self, Argon2Config};
use crate::model::session::Session;
use crate::model::{Member, Organization, factor, lockout, mfa, provision, validate};
use crate::routes::magic_links::{self, send_link};
use crate::routes::members::member_reply;
use crate::routes::password_check::password_tx;
use crate::state::AppState;

pub const DEFAULT_RESET_MINUTES: i64 = 30;
/// `passwords.session.reset` needs a factor proven this recently (§1.9).
pub const SESSION_RESET_WINDOW_SECONDS: i64 = 300;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/b2b/passwords/authenticate", post(authenticate))
        .route("/v1/b2b/passwords/strength_check", post(strength_check))
        .route("/v1/b2b/passwords/migrate", post(migrate))
        .route("/v1/b2b/passwords/email/reset/start", post(reset_start))
        .route("/v1/b2b/passwords/email/reset", post(reset_by_email))
        .route(
            "/v1/b2b/passwords/existing_password/reset",
            post(reset_existing),
        )
        .route("/v1/b2b/passwords/session/reset", post(reset_by_session))
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
async fn refuse(tx: WriteTx, state: &AppState, mut member: Member) -> ApiError {
    mfa::refuse(tx, state, &mut member, password::wrong_credentials()).await
}

/// A password login that ends in a session starts the failure count again; one that still owes
/// MFA does not (else a known password would reset the count between MFA guesses).
async fn settle(conn: &mut SqliteConnection, d: &decide::Decision) -> ApiResult<()> {
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
            return Err(ApiError::bad_request(
                "duplicate_member_phone_number_for_member",
                "This member already has an MFA phone number; delete it before setting another.",
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

#[derive(Deserialize)]
#[allow(dead_code)] // templates, login_redirect_url and locale are accepted for fidelity
struct ResetStartRequest {
    organization_id: String,
    email_address: String,
    reset_password_redirect_url: Option<String>,
    reset_password_expiration_minutes: Option<i64>,
    code_challenge: Option<String>,
    login_redirect_url: Option<String>,
    locale: Option<String>,
    reset_password_template_id: Option<String>,
    verify_email_template_id: Option<String>,
}

async fn reset_start(
    State(state): State<AppState>,
    Body(req): Body<ResetStartRequest>,
) -> ApiResult<Reply> {
    let email = validate::email(&req.email_address)?;
    let minutes = auth_token::minutes(
        req.reset_password_expiration_minutes,
        DEFAULT_RESET_MINUTES,
        magic_links::MIN_MINUTES,
        magic_links::MAX_MINUTES,
        "reset_password_expiration_minutes",
    )?;
    let mut tx = state.db.write().await?;
    let org = Organization::get(&mut tx, &req.organization_id).await?;
    let member = Member::find_by_email(&mut tx, &org.organization_id, &email)
        .await?
        .ok_or_else(ApiError::member_not_found)?;
    let detail = match req.code_challenge.filter(|c| !c.is_empty()) {
        Some(c) => json!({"pkce_code_challenge": c}),
        None => json!({}),
    };
    let detail = auth_token::with_redirect(detail, req.reset_password_redirect_url.as_deref());
    send_link(
        &mut tx,
        &state,
        &member,
        Kind::PasswordReset,
        minutes,
        detail,
    )
    .await?;
    tx.commit(&state.ids).await?;
    Ok(Reply::empty()
        .with("member_id", &member.member_id)
        .with("member_email_id", factor::email_id(&state.ids, &member))
        .with("member", &member))
}

/// Revoke every live session of the member except `keep` (the one the request came with).
async fn revoke_others(
    conn: &mut SqliteConnection,
    state: &AppState,
    member: &Member,
    keep: Option<&Session>,
) -> ApiResult<()> {
    let keep = keep
        .filter(|s| s.member_id == member.member_id)
        .map(|s| s.member_session_id.as_str());
    for s in Session::live_for_member(conn, state, &member.member_id).await? {
        if Some(s.member_session_id.as_str()) != keep {
            Session::revoke(conn, state, &s.member_session_id).await?;
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct ResetByEmailRequest {
    password_reset_token: String,
    password: String,
    code_verifier: Option<String>,
    #[serde(flatten)]
    args: SessionArgs,
}

async fn reset_by_email(
    State(state): State<AppState>,
    Body(req): Body<ResetByEmailRequest>,
) -> ApiResult<Reply> {
    let mut tx = state.db.write().await?;
    let ctx = req.args.load(&mut tx, &state).await?;
    let t = match auth_token::redeem(
        &mut tx,
        &state,
        &req.password_reset_token,
        &[Kind::PasswordReset],
    )
    .await?
    {
        Ok(t) => t,
        Err(Refusal::NotFound) => return Err(magic_links::not_found()),
        Err(Refusal::Spent) => return Err(magic_links::spent()),
    };
    auth_token::check_pkce(&t, req.code_verifier.as_deref())?;
    let org = Organization::get(&mut tx, &t.organization_id).await?;
    let mut member = Member::get(
        &mut tx,
        &org.organization_id,
        t.member_id.as_deref().unwrap_or_default(),
    )
    .await?;
    password::require_strong(&req.password, &member.email_address)?;
    let hash = password::hash(&state, &req.password)?;
    password::set(&mut tx, &state, &mut member, &hash).await?;
    provision::inbox_proven(&state, &mut member);
    member.updated_at = crate::clock::rfc3339(state.clock.now_ts());
    member.save(&mut tx).await?;
    revoke_others(&mut tx, &state, &member, ctx.session.as_ref()).await?;
    let now = state.clock.now_ts();
    let p = Primary {
        org: &org,
        member: &member,
        factor: Some(factor::password(&state.ids, &member, now)),
        carried: vec![factor::magic_link(&state.ids, &member, now)],
    };
    let d = decide::decide(&mut tx, &state, p, ctx).await?;
    let done = tx.commit(&state.ids).await?;
    d.reply()
        .with("member_email_id", factor::email_id(&state.ids, &member))
        .finish(&state, done)
        .await
}

#[derive(Deserialize)]
struct ResetExistingRequest {
    organization_id: String,
    email_address: String,
    existing_password: String,
    new_password: String,
    #[serde(flatten)]
    args: SessionArgs,
}

async fn reset_existing(
    State(state): State<AppState>,
    Body(req): Body<ResetExistingRequest>,
) -> ApiResult<Reply> {
    // This endpoint takes no IST (§2.4).
    let mut args = req.args;
    args.intermediate_session_token = None;
    let (mut tx, ctx, checked) = password_tx(
        &state,
        &args,
        &req.organization_id,
        &req.email_address,
        &req.existing_password,
    )
    .await?;
    let (org, mut member) = match checked {
        Ok(found) => found,
        Err(member) => return Err(refuse(tx, &state, member).await),
    };
    password::require_strong(&req.new_password, &member.email_address)?;
    let hash = password::hash(&state, &req.new_password)?;
    password::set(&mut tx, &state, &mut member, &hash).await?;
    member.updated_at = crate::clock::rfc3339(state.clock.now_ts());
    member.save(&mut tx).await?;
    revoke_others(&mut tx, &state, &member, ctx.session.as_ref()).await?;
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
    d.reply()
        .without("organization_id")
        .finish(&state, done)
        .await
}

#[derive(Deserialize)]
struct ResetBySessionRequest {
    organization_id: String,
    password: String,
    session_token: Option<String>,
    session_jwt: Option<String>,
    session_duration_minutes: Option<i64>,
    session_custom_claims: Option<Value>,
    locale: Option<String>,
}

async fn reset_by_session(
    State(state): State<AppState>,
    Body(req): Body<ResetBySessionRequest>,
) -> ApiResult<Reply> {
    let mut tx = state.db.write().await?;
    let duration_minutes = crate::model::session::duration(req.session_duration_minutes)?;
    let session = Session::from_args(
        &mut tx,
        &state,
        req.session_token.as_deref(),
        req.session_jwt.as_deref(),
    )
    .await?;
    let org = Organization::get(&mut tx, &req.organization_id).await?;
    if session.organization_id != org.organization_id {
        return Err(crate::model::session::not_found());
    }
    let now = state.clock.now_ts();
    let fresh = session.factors.iter().any(|f| {
        f["last_authenticated_at"]
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .is_some_and(|t| now - t.timestamp() <= SESSION_RESET_WINDOW_SECONDS)
    });
    if !fresh {
        return Err(ApiError::bad_request(
            "session_too_old_to_reset_password",
            "The session must hold a factor authenticated in the last 5 minutes to reset the password.",
        ));
    }
    let mut member = Member::get(&mut tx, &org.organization_id, &session.member_id).await?;
    password::require_strong(&req.password, &member.email_address)?;
    let hash = password::hash(&state, &req.password)?;
    password::set(&mut tx, &state, &mut member, &hash).await?;
    member.updated_at = crate::clock::rfc3339(now);
    member.save(&mut tx).await?;
    revoke_others(&mut tx, &state, &member, Some(&session)).await?;
    let ctx = Context {
        session: Some(session),
        ist: None,
        duration_minutes,
        custom_claims: req.session_custom_claims,
        locale: req.locale,
    };
    let proven = factor::password(&state.ids, &member, now);
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
        .without("organization_id")
        .without("primary_required")
        .finish(&state, done)
        .await
}
