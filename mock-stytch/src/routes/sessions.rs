//! Member sessions (CONTRACT §2.7–§2.8): authenticate (token or JWT, optional extension and
//! `authorization_check`), get, revoke, exchange (session → another organization of the same
//! email, decided by [`crate::mfa::decide`]), and the JWKS.
//!
//! The JWKS route answers without credentials (the SDKs' local verifiers send none) and is
//! mounted through [`open_routes`]; everything else is behind Basic auth. Readings of the
//! UNCONFIRMED parts:
//! * `authorization_check` for another organization → 403 `session_authorization_error`; a
//!   permission no role grants → 403 `unauthorized_action`. `stytch_admin` grants everything,
//!   `stytch_member` everything on `stytch.self`, custom roles what their permissions list
//!   (`*` matches any action);
//! * `sessions.exchange` carries only the session's *primary* factors into the other
//!   organization (MFA factors prove another member's phone/TOTP), accepts invites (an invited
//!   or pending member becomes active) and never JIT-provisions (404 `member_not_found`);
//! * `sessions.migrate` is not implemented (it imports sessions of another identity provider).
//!
//! Nothing here signs a JWT except through [`Session`], and nothing extends a session unless
//! `session_duration_minutes` was sent.

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::db::{Committed, Conn};
use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::http::{Body, Params, Reply};
use crate::mfa::decide::{self, Primary, SessionArgs};
use crate::model::session::{self, Session, SessionKey, SessionOptions};
use crate::model::{Member, Organization};
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/b2b/sessions", get(list))
        .route("/v1/b2b/sessions/authenticate", post(authenticate))
        .route("/v1/b2b/sessions/revoke", post(revoke))
        .route("/v1/b2b/sessions/exchange", post(exchange))
}

/// Routes that must answer without credentials.
pub fn open_routes() -> Router<AppState> {
    Router::new().route("/v1/b2b/sessions/jwks/{project_id}", get(jwks))
}

async fn jwks(State(state): State<AppState>, Path(project_id): Path<String>) -> ApiResult<Reply> {
    if project_id != state.config.project_id {
        return Err(ApiError::of(catalog::PROJECT_NOT_FOUND));
    }
    Ok(Reply::empty().with("keys", vec![state.signing.get().await?.jwk.clone()]))
}

#[derive(Deserialize)]
struct AuthorizationCheck {
    organization_id: String,
    resource_id: String,
    action: String,
}

#[derive(Deserialize)]
struct AuthenticateRequest {
    session_token: Option<String>,
    session_jwt: Option<String>,
    #[serde(flatten)]
    session: SessionOptions,
    authorization_check: Option<AuthorizationCheck>,
}

/// The member and organization a live session belongs to.
async fn owner(conn: &mut Conn, s: &Session) -> ApiResult<(Member, Organization)> {
    let org = Organization::find(conn, &s.organization_id)
        .await?
        .ok_or_else(session::not_found)?;
    let member = Member::find(conn, &org.organization_id, &s.member_id)
        .await?
        .ok_or_else(session::not_found)?;
    Ok((member, org))
}

/// The roles of `member` that grant `action` on `resource_id`, or a 403.
fn authorize(org: &Organization, member: &Member, check: &AuthorizationCheck) -> ApiResult<Value> {
    if check.organization_id != org.organization_id
        && check.organization_id != org.organization_slug
    {
        return Err(ApiError::worded(
            catalog::SESSION_AUTHORIZATION_ERROR,
            "The session belongs to another organization than the authorization check names.",
        ));
    }
    let custom = |role_id: &str| {
        org.custom_roles
            .iter()
            .find(|r| r["role_id"] == role_id)
            .is_some_and(|r| {
                r["permissions"].as_array().into_iter().flatten().any(|p| {
                    p["resource_id"] == check.resource_id.as_str()
                        && p["actions"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .any(|a| a == "*" || a == check.action.as_str())
                })
            })
    };
    let granting: Vec<String> = member
        .role_ids()
        .into_iter()
        .filter(|r| match r.as_str() {
            "stytch_admin" => true,
            "stytch_member" => check.resource_id == "stytch.self" || custom(r),
            other => custom(other),
        })
        .collect();
    if granting.is_empty() {
        return Err(ApiError::of(catalog::UNAUTHORIZED_ACTION));
    }
    Ok(json!({"authorized": true, "granting_roles": granting}))
}

async fn authenticate(
    State(state): State<AppState>,
    Body(req): Body<AuthenticateRequest>,
) -> ApiResult<Reply> {
    let extend = req.session.duration()?;
    // Once, before the read-only try and the write lock: a JWT is verified outside both.
    let key = SessionKey::from_args(
        &state,
        req.session_token.as_deref(),
        req.session_jwt.as_deref(),
    )
    .await?;
    if let Some(reply) = authenticate_unchanged(&state, &req, &key, extend).await? {
        return Ok(reply);
    }
    let mut tx = state.db.write().await?;
    let mut s = Session::by_key(&mut tx, &state, &key).await?;
    let (member, org) = owner(&mut tx, &s).await?;
    let verdict = req
        .authorization_check
        .as_ref()
        .map(|c| authorize(&org, &member, c))
        .transpose()?;
    s.touch_row(&mut tx, &state, extend, None, req.session.claims())
        .await?;
    let done = tx.commit(&state.ids).await?;
    // Signed after the commit: the write lock is not held for the RS256 signature.
    let jwt = s.jwt(&state, &member, &org, done).await?;
    Ok(authenticated(&s, jwt, &member, &org, verdict))
}

/// The read-only answer when authenticating would change nothing: the session was already
/// accessed in this (virtual) second, no extension moves its expiry and no claims are added.
/// Same reply as the write path, without taking the write lock; `None` means "write".
async fn authenticate_unchanged(
    state: &AppState,
    req: &AuthenticateRequest,
    key: &SessionKey,
    extend: Option<i64>,
) -> ApiResult<Option<Reply>> {
    if req.session.claims().is_some() {
        return Ok(None);
    }
    let now = state.clock.now_ts();
    let mut conn = state.db.pool.acquire().await?;
    let s = Session::by_key(&mut conn, state, key).await?;
    if s.last_accessed_at != now || extend.is_some_and(|m| s.expires_at != now + 60 * m) {
        return Ok(None);
    }
    let (member, org) = owner(&mut conn, &s).await?;
    drop(conn);
    let verdict = req
        .authorization_check
        .as_ref()
        .map(|c| authorize(&org, &member, c))
        .transpose()?;
    let jwt = s.jwt(state, &member, &org, Committed::read_only()).await?;
    Ok(Some(authenticated(&s, jwt, &member, &org, verdict)))
}

fn authenticated(
    s: &Session,
    jwt: String,
    member: &Member,
    org: &Organization,
    verdict: Option<Value>,
) -> Reply {
    let reply = Reply::empty()
        .with("member_session", s.wire(member, org))
        .with("session_token", &s.session_token)
        .with("session_jwt", jwt)
        .with("member", member)
        .with("organization", org);
    match verdict {
        Some(v) => reply.with("verdict", v),
        None => reply,
    }
}

#[derive(Deserialize)]
struct ListParams {
    organization_id: String,
    member_id: String,
}

async fn list(State(state): State<AppState>, Params(q): Params<ListParams>) -> ApiResult<Reply> {
    let mut conn = state.db.pool.acquire().await?;
    let org = Organization::get(&mut conn, &q.organization_id).await?;
    let member = Member::get(&mut conn, &org.organization_id, &q.member_id).await?;
    let sessions = Session::live_for_member(&mut conn, &state, &member.member_id).await?;
    let wire: Vec<Value> = sessions.iter().map(|s| s.wire(&member, &org)).collect();
    Ok(Reply::empty().with("member_sessions", wire))
}

#[derive(Deserialize)]
struct RevokeRequest {
    member_session_id: Option<String>,
    session_token: Option<String>,
    session_jwt: Option<String>,
    member_id: Option<String>,
}

async fn revoke(State(state): State<AppState>, Body(req): Body<RevokeRequest>) -> ApiResult<Reply> {
    let given = |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
    let args = [
        given(&req.member_session_id),
        given(&req.session_token),
        given(&req.session_jwt),
        given(&req.member_id),
    ];
    match args.iter().filter(|a| a.is_some()).count() {
        0 => {
            return Err(ApiError::of(catalog::NO_SESSION_REVOKE_ARGUMENTS));
        }
        1 => {}
        _ => {
            return Err(ApiError::of(catalog::TOO_MANY_SESSION_REVOKE_ARGUMENTS));
        }
    }
    let [by_id, by_token, by_jwt, by_member] = args;
    // Resolved before the write lock: a JWT's signature is verified outside it.
    let key = match (by_id, by_token, by_jwt) {
        (Some(id), _, _) => Some(SessionKey::Id(id)),
        (_, Some(t), _) => Some(SessionKey::Token(t)),
        (_, _, Some(j)) => Some(SessionKey::from_jwt(&state, &j).await?),
        _ => None,
    };
    let mut tx = state.db.write().await?;
    if let Some(member_id) = by_member {
        let member = Member::find_anywhere(&mut tx, &member_id)
            .await?
            .ok_or_else(ApiError::member_not_found)?;
        Session::revoke_all(&mut tx, &state, &member.member_id).await?;
    } else {
        let key = key.ok_or_else(session::not_found)?;
        let s = Session::by_key(&mut tx, &state, &key).await?;
        Session::revoke(&mut tx, &state, &s.member_session_id).await?;
    }
    tx.commit(&state.ids).await?;
    Ok(Reply::empty())
}

#[derive(Deserialize)]
struct ExchangeRequest {
    organization_id: String,
    session_token: Option<String>,
    session_jwt: Option<String>,
    #[serde(flatten)]
    session: SessionOptions,
    locale: Option<String>,
    telemetry_id: Option<String>,
}

async fn exchange(
    State(state): State<AppState>,
    Body(req): Body<ExchangeRequest>,
) -> ApiResult<Reply> {
    // Exactly one of token / JWT (the Stytch errors come from `from_args`), a JWT verified
    // before the write lock.
    let key = SessionKey::from_args(
        &state,
        req.session_token.as_deref(),
        req.session_jwt.as_deref(),
    )
    .await?;
    let mut tx = state.db.write().await?;
    let source = Session::by_key(&mut tx, &state, &key).await?;
    let args = SessionArgs {
        session_token: Some(source.session_token.clone()),
        session_jwt: None,
        intermediate_session_token: None,
        session: req.session,
        locale: req.locale,
        telemetry_id: req.telemetry_id,
    };
    let ctx = args.load(&mut tx, &state).await?;
    let (source_member, _) = owner(&mut tx, &source).await?;
    let org = Organization::get(&mut tx, &req.organization_id).await?;
    let mut member =
        Member::find_by_email(&mut tx, &org.organization_id, &source_member.email_address)
            .await?
            .ok_or_else(ApiError::member_not_found)?;
    if member.status != "active" {
        member.status = "active".into();
        member.updated_at = crate::clock::rfc3339(state.clock.now_ts());
        member.save(&mut tx).await?;
    }
    let p = Primary {
        org: &org,
        member: &member,
        factor: None,
        carried: source.factors.clone(),
    };
    let d = decide::decide(&mut tx, &state, p, ctx).await?;
    let done = tx.commit(&state.ids).await?;
    d.reply()
        .without("organization_id")
        .finish(&state, done)
        .await
}
