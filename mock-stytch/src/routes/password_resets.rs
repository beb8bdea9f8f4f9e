//! The password resets of CONTRACT §2.4: email reset start / reset, existing-password reset
//! and session reset (split from [`crate::routes::passwords`], which holds the
//! choices where Stytch is UNCONFIRMED). Each sets a new password (hashed at the mock's cost by
//! [`crate::model::password`]), revokes the member's other sessions and ends in
//! [`crate::mfa::decide`]. It must never answer before its writes are committed or put a hash in an
//! answer.

use crate::db::Conn;
use axum::Router;
use axum::extract::State;
use axum::routing::post;
use serde::Deserialize;
use serde_json::json;

use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::http::{Body, Reply};
use crate::mfa::decide::{self, Context, Primary, SessionArgs};
use crate::model::auth_token::{self, Kind, Refusal};
use crate::model::password;
use crate::model::session::{Session, SessionKey, SessionOptions};
use crate::model::{Member, Organization, factor, provision, validate};
use crate::routes::magic_links::{self, send_link};
use crate::routes::password_check::password_tx;
use crate::routes::passwords::{
    DEFAULT_RESET_MINUTES, SESSION_RESET_WINDOW_SECONDS, refuse, settle,
};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/b2b/passwords/email/reset/start", post(reset_start))
        .route("/v1/b2b/passwords/email/reset", post(reset_by_email))
        .route(
            "/v1/b2b/passwords/existing_password/reset",
            post(reset_existing),
        )
        .route("/v1/b2b/passwords/session/reset", post(reset_by_session))
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
    conn: &mut Conn,
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
    #[serde(flatten)]
    session: SessionOptions,
    locale: Option<String>,
}

async fn reset_by_session(
    State(state): State<AppState>,
    Body(req): Body<ResetBySessionRequest>,
) -> ApiResult<Reply> {
    let duration_minutes = req.session.duration()?;
    // A JWT is verified before the write lock.
    let key = SessionKey::from_args(
        &state,
        req.session_token.as_deref(),
        req.session_jwt.as_deref(),
    )
    .await?;
    let mut tx = state.db.write().await?;
    let session = Session::by_key(&mut tx, &state, &key).await?;
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
        return Err(ApiError::of(catalog::SESSION_TOO_OLD_TO_RESET_PASSWORD));
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
        custom_claims: req.session.session_custom_claims,
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
