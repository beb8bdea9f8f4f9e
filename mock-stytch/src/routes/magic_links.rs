//! Email magic links (CONTRACT §2.3): `login_or_signup`, `invite`, `authenticate`.
//!
//! Sending puts a message in the outbox (`magic_link_login` for active members,
//! `magic_link_signup` for new/pending/invited ones, `magic_link_invite`) carrying the token.
//! Tokens are single-use and expire on the virtual clock (login/signup default 60 min, invite
//! 10080 min, both 5..=10080). Authenticate turns `pending`/`invited` into `active`, marks the
//! email verified, and hands the magic-link factor to [`crate::mfa::decide`]. Stytch's sandbox values
//! (§4) are honoured: `sandbox@stytch.com` gets 200 and no email; the three sandbox tokens
//! succeed (always, for the sandbox member), 401 and 404. This module never decides MFA itself.

use crate::db::Conn;
use axum::Router;
use axum::extract::State;
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::http::{Body, Reply};
use crate::mfa::decide::{self, Primary, SessionArgs};
use crate::model::auth_token::{self, Kind, NewToken, Refusal};
use crate::model::outbox::{self, Outgoing};
use crate::model::provision::{self, SANDBOX_EMAIL, SANDBOX_ORG_ID};
use crate::model::{Member, Organization, factor, validate};
use crate::routes::members::member_reply;
use crate::state::AppState;

/// §4: authenticates the sandbox member.
pub const SANDBOX_TOKEN_OK: &str = "DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94=";
/// §4: 401 `unable_to_auth_magic_link`.
pub const SANDBOX_TOKEN_SPENT: &str = "3pzjQpgksDlGKWEwUq2Up--hCHC_0oamfLHyfspKDFU=";
/// §4: 404 `magic_link_not_found`.
pub const SANDBOX_TOKEN_MISSING: &str = "CprTtwhnRNiMBiUS2jSLcWYrfuO2POeBNdo5HhW6qTM=";

pub const DEFAULT_LOGIN_MINUTES: i64 = 60;
pub const DEFAULT_INVITE_MINUTES: i64 = 10080;
pub const MIN_MINUTES: i64 = 5;
pub const MAX_MINUTES: i64 = 10080;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/b2b/magic_links/email/login_or_signup",
            post(login_or_signup),
        )
        .route("/v1/b2b/magic_links/email/invite", post(invite))
        .route("/v1/b2b/magic_links/authenticate", post(authenticate))
}

pub fn not_found() -> ApiError {
    ApiError::of(catalog::MAGIC_LINK_NOT_FOUND)
}

pub fn spent() -> ApiError {
    ApiError::of(catalog::UNABLE_TO_AUTH_MAGIC_LINK)
}

/// Issue a link of `kind` for `member` and put the email in the outbox.
pub async fn send_link(
    conn: &mut Conn,
    state: &AppState,
    member: &Member,
    kind: Kind,
    minutes: i64,
    detail: Value,
) -> ApiResult<()> {
    let t = auth_token::issue(
        conn,
        state,
        NewToken {
            kind,
            organization_id: &member.organization_id,
            member_id: Some(&member.member_id),
            email_address: &member.email_address,
            detail,
            lifetime_seconds: 60 * minutes,
        },
    )
    .await?;
    outbox::send(
        conn,
        state,
        Outgoing {
            channel: "email",
            to: &member.email_address,
            organization_id: Some(&member.organization_id),
            member_id: Some(&member.member_id),
            kind: kind.as_str(),
            token: Some(&t.token),
            code: None,
        },
    )
    .await?;
    Ok(())
}

fn pkce_detail(challenge: Option<String>) -> Value {
    match challenge.filter(|c| !c.is_empty()) {
        Some(c) => json!({"pkce_code_challenge": c}),
        None => json!({}),
    }
}

#[derive(Deserialize)]
#[allow(dead_code)] // templates are accepted for fidelity; the mock renders no email
struct LoginOrSignupRequest {
    organization_id: String,
    email_address: String,
    login_redirect_url: Option<String>,
    signup_redirect_url: Option<String>,
    pkce_code_challenge: Option<String>,
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
    let login_minutes = auth_token::minutes(
        req.login_expiration_minutes,
        DEFAULT_LOGIN_MINUTES,
        MIN_MINUTES,
        MAX_MINUTES,
        "login_expiration_minutes",
    )?;
    let signup_minutes = auth_token::minutes(
        req.signup_expiration_minutes,
        DEFAULT_LOGIN_MINUTES,
        MIN_MINUTES,
        MAX_MINUTES,
        "signup_expiration_minutes",
    )?;
    let mut tx = state.db.write().await?;
    if req.organization_id == SANDBOX_ORG_ID {
        provision::ensure_sandbox(&mut tx, &state).await?;
    }
    let org = Organization::get(&mut tx, &req.organization_id).await?;
    let (member, created) =
        provision::member_for_email_login(&mut tx, &state, &org, &email).await?;
    if email != SANDBOX_EMAIL {
        let (kind, minutes, redirect) = if member.status == "active" {
            (
                Kind::MagicLinkLogin,
                login_minutes,
                req.login_redirect_url.as_deref(),
            )
        } else {
            (
                Kind::MagicLinkSignup,
                signup_minutes,
                req.signup_redirect_url.as_deref(),
            )
        };
        let detail = auth_token::with_redirect(pkce_detail(req.pkce_code_challenge), redirect);
        send_link(&mut tx, &state, &member, kind, minutes, detail).await?;
    }
    tx.commit(&state.ids).await?;
    Ok(member_reply(&member, &org).with("member_created", created))
}

#[derive(Deserialize)]
#[allow(dead_code)] // template and locale are accepted for fidelity
struct InviteRequest {
    organization_id: String,
    email_address: String,
    invite_redirect_url: Option<String>,
    invited_by_member_id: Option<String>,
    name: Option<String>,
    trusted_metadata: Option<Value>,
    untrusted_metadata: Option<Value>,
    invite_template_id: Option<String>,
    locale: Option<String>,
    roles: Option<Vec<String>>,
    invite_expiration_minutes: Option<i64>,
}

async fn invite(State(state): State<AppState>, Body(req): Body<InviteRequest>) -> ApiResult<Reply> {
    let email = validate::email(&req.email_address)?;
    let minutes = auth_token::minutes(
        req.invite_expiration_minutes,
        DEFAULT_INVITE_MINUTES,
        MIN_MINUTES,
        MAX_MINUTES,
        "invite_expiration_minutes",
    )?;
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
    if req.organization_id == SANDBOX_ORG_ID {
        provision::ensure_sandbox(&mut tx, &state).await?;
    }
    let org = Organization::get(&mut tx, &req.organization_id).await?;
    if let Some(inviter) = req
        .invited_by_member_id
        .as_deref()
        .filter(|s| !s.is_empty())
    {
        Member::get(&mut tx, &org.organization_id, inviter).await?;
    }
    let mut member = match Member::find_by_email(&mut tx, &org.organization_id, &email).await? {
        Some(m) if m.status == "active" && email != SANDBOX_EMAIL => {
            return Err(ApiError::worded(
                catalog::MEMBER_ALREADY_ACTIVE,
                "This member is already active in the organization; invites are for new, pending or invited members.",
            ));
        }
        Some(m) => m,
        None if provision::invites_allowed(&org, &email) => {
            provision::create_member(&mut tx, &state, &org, &email, "invited").await?
        }
        None => {
            return Err(ApiError::of(catalog::INVALID_EMAIL_FOR_INVITES));
        }
    };
    if member.status != "active" {
        member.status = "invited".into();
    }
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
    member.updated_at = crate::clock::rfc3339(state.clock.now_ts());
    member.save(&mut tx).await?;
    if email != SANDBOX_EMAIL {
        let detail = auth_token::with_redirect(json!({}), req.invite_redirect_url.as_deref());
        send_link(
            &mut tx,
            &state,
            &member,
            Kind::MagicLinkInvite,
            minutes,
            detail,
        )
        .await?;
    }
    tx.commit(&state.ids).await?;
    Ok(member_reply(&member, &org))
}

#[derive(Deserialize)]
struct AuthenticateRequest {
    magic_links_token: String,
    pkce_code_verifier: Option<String>,
    #[serde(flatten)]
    args: SessionArgs,
}

async fn authenticate(
    State(state): State<AppState>,
    Body(req): Body<AuthenticateRequest>,
) -> ApiResult<Reply> {
    match req.magic_links_token.as_str() {
        SANDBOX_TOKEN_SPENT => return Err(spent()),
        SANDBOX_TOKEN_MISSING => return Err(not_found()),
        _ => {}
    }
    let mut tx = state.db.write().await?;
    let ctx = req.args.load(&mut tx, &state).await?;
    let (org, mut member) = if req.magic_links_token == SANDBOX_TOKEN_OK {
        provision::ensure_sandbox(&mut tx, &state).await?
    } else {
        let t = match auth_token::redeem(&mut tx, &state, &req.magic_links_token, Kind::MAGIC_LINKS)
            .await?
        {
            Ok(t) => t,
            Err(Refusal::NotFound) => return Err(not_found()),
            Err(Refusal::Spent) => return Err(spent()),
        };
        auth_token::check_pkce(&t, req.pkce_code_verifier.as_deref())?;
        let org = Organization::get(&mut tx, &t.organization_id).await?;
        let member = Member::get(
            &mut tx,
            &org.organization_id,
            t.member_id.as_deref().unwrap_or_default(),
        )
        .await?;
        (org, member)
    };
    if provision::inbox_proven(&state, &mut member) {
        member.save(&mut tx).await?;
    }
    let proven = factor::magic_link(&state.ids, &member, state.clock.now_ts());
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
        .with("reset_sessions", false)
        .finish(&state, done)
        .await
}
