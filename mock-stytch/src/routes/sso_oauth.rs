//! SSO and OAuth primary authentication (CONTRACT §2.5), with control routes that stand in for
//! the identity-provider round trip:
//!
//! * `POST /_mock/sso/token {organization_id, email_address, connection_id?}` → `{token}` — as if
//!   the member had come back from the IdP of `connection_id` (default: a per-organization SAML
//!   connection `saml-connection-test-…`; an `oidc-connection-…` id makes it OIDC);
//! * `POST /_mock/oauth/token {organization_id, email_address, provider}` → `{token}` — provider
//!   one of `google microsoft hubspot slack github`.
//!
//! `/v1/b2b/sso/authenticate` (`sso_token`; answers `reset_session`, singular) and
//! `/v1/b2b/oauth/authenticate` (`oauth_token`; answers `provider_subject`, `provider_type`,
//! `reset_sessions`, `provider_values`) redeem them once, within 10 minutes (UNCONFIRMED).
//! JIT provisioning (reading documented in [`crate::model::provision`]): SSO when
//! `sso_jit_provisioning` is `ALL_ALLOWED` (or `RESTRICTED` and the connection is listed); OAuth
//! when the email's domain is in `email_allowed_domains` and `email_jit_provisioning` is
//! `RESTRICTED`. SSO and Google/Microsoft OAuth verify the email; HubSpot/Slack/GitHub do not.
//! MFA is decided by [`crate::mfa::decide`] only.

use axum::Router;
use axum::extract::State;
use axum::routing::post;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::clock::rfc3339;
use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::http::{Body, Reply};
use crate::ids::uuid_from;
use crate::mfa::decide::{self, Primary, SessionArgs};
use crate::model::auth_token::{self, AuthToken, Kind, NewToken, Refusal};
use crate::model::{Member, Organization, factor, provision, validate};
use crate::state::AppState;

/// How long a mock IdP token may wait before it is redeemed.
pub const IDP_TOKEN_SECONDS: i64 = 600;
pub const OAUTH_PROVIDERS: &[&str] = &["google", "microsoft", "hubspot", "slack", "github"];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/_mock/sso/token", post(mint_sso_token))
        .route("/_mock/oauth/token", post(mint_oauth_token))
        .route("/v1/b2b/sso/authenticate", post(sso_authenticate))
        .route("/v1/b2b/oauth/authenticate", post(oauth_authenticate))
}

#[derive(Deserialize)]
struct SsoTokenRequest {
    organization_id: String,
    email_address: String,
    connection_id: Option<String>,
}

async fn mint_sso_token(
    State(state): State<AppState>,
    Body(req): Body<SsoTokenRequest>,
) -> ApiResult<Reply> {
    let email = validate::email(&req.email_address)?;
    let mut tx = state.db.write().await?;
    let org = Organization::get(&mut tx, &req.organization_id).await?;
    let connection_id = match req.connection_id.filter(|c| !c.is_empty()) {
        Some(c) if c.starts_with("saml-connection-") || c.starts_with("oidc-connection-") => c,
        Some(_) => {
            return Err(ApiError::invalid_argument(
                "connection_id must look like saml-connection-test-… or oidc-connection-test-….",
            ));
        }
        None => format!(
            "saml-connection-test-{}",
            uuid_from(
                &state
                    .ids
                    .derive("sso-connection", org.organization_id.as_bytes())
            )
        ),
    };
    let protocol = if connection_id.starts_with("oidc-") {
        "oidc"
    } else {
        "saml"
    };
    let t = auth_token::issue(
        &mut tx,
        &state,
        NewToken {
            kind: Kind::Sso,
            organization_id: &org.organization_id,
            member_id: None,
            email_address: &email,
            // The IdP's own id for the user: its NameID / `sub`, here the email address.
            detail: json!({"connection_id": connection_id, "protocol": protocol, "external_id": email}),
            lifetime_seconds: IDP_TOKEN_SECONDS,
        },
    )
    .await?;
    tx.commit(&state.ids).await?;
    Ok(Reply::empty()
        .with("token", t.token)
        .with("connection_id", connection_id))
}

#[derive(Deserialize)]
struct OauthTokenRequest {
    organization_id: String,
    email_address: String,
    provider: String,
}

async fn mint_oauth_token(
    State(state): State<AppState>,
    Body(req): Body<OauthTokenRequest>,
) -> ApiResult<Reply> {
    let email = validate::email(&req.email_address)?;
    let provider = validate::one_of(
        &req.provider.to_ascii_lowercase(),
        OAUTH_PROVIDERS,
        catalog::INVALID_ARGUMENT,
        "provider",
    )?;
    let mut tx = state.db.write().await?;
    let org = Organization::get(&mut tx, &req.organization_id).await?;
    // A stable subject per provider and email, like a provider's `sub`.
    let subject = crate::ids::digits_from(
        &state
            .ids
            .derive("oauth-subject", format!("{provider}|{email}").as_bytes()),
        21,
    );
    let t = auth_token::issue(
        &mut tx,
        &state,
        NewToken {
            kind: Kind::Oauth,
            organization_id: &org.organization_id,
            member_id: None,
            email_address: &email,
            detail: json!({"provider": provider, "provider_subject": subject}),
            lifetime_seconds: IDP_TOKEN_SECONDS,
        },
    )
    .await?;
    tx.commit(&state.ids).await?;
    Ok(Reply::empty().with("token", t.token))
}

#[derive(Deserialize)]
struct SsoAuthenticateRequest {
    sso_token: String,
    #[allow(dead_code)] // the mock's IdP tokens carry no PKCE challenge
    pkce_code_verifier: Option<String>,
    #[serde(flatten)]
    args: SessionArgs,
}

fn detail_str<'a>(t: &'a AuthToken, key: &str) -> &'a str {
    t.detail[key].as_str().unwrap_or_default()
}

async fn sso_authenticate(
    State(state): State<AppState>,
    Body(req): Body<SsoAuthenticateRequest>,
) -> ApiResult<Reply> {
    let mut tx = state.db.write().await?;
    let ctx = req.args.load(&mut tx, &state).await?;
    let t = match auth_token::redeem(&mut tx, &state, &req.sso_token, &[Kind::Sso]).await? {
        Ok(t) => t,
        Err(Refusal::NotFound) => {
            return Err(ApiError::of(catalog::SSO_TOKEN_NOT_FOUND));
        }
        Err(Refusal::Spent) => {
            return Err(ApiError::of(catalog::UNABLE_TO_AUTH_SSO_TOKEN));
        }
    };
    let org = Organization::get(&mut tx, &t.organization_id).await?;
    let connection_id = detail_str(&t, "connection_id").to_owned();
    let external_id = detail_str(&t, "external_id").to_owned();
    let mut member = match Member::find_by_email(&mut tx, &org.organization_id, &t.email_address)
        .await?
    {
        Some(m) => m,
        None if provision::sso_jit_allowed(&org, &connection_id) => {
            provision::create_member(&mut tx, &state, &org, &t.email_address, "active").await?
        }
        None => {
            return Err(ApiError::worded(
                catalog::SSO_JIT_PROVISIONING_NOT_ALLOWED,
                "This email address is not a member of the organization and sso_jit_provisioning does not allow \
                 this connection to add members.",
            ));
        }
    };
    let registration_id = match member
        .sso_registrations
        .iter()
        .find(|r| r["connection_id"] == connection_id.as_str())
    {
        Some(r) => r["registration_id"].as_str().unwrap_or_default().to_owned(),
        None => {
            let id = state.ids.id("sso-registration");
            member.sso_registrations.push(json!({
                "connection_id": connection_id, "external_id": external_id, "registration_id": id, "sso_attributes": {},
            }));
            id
        }
    };
    provision::inbox_proven(&state, &mut member);
    member.updated_at = rfc3339(state.clock.now_ts());
    member.save(&mut tx).await?;
    let proven = factor::sso(
        detail_str(&t, "protocol"),
        &connection_id,
        &external_id,
        &registration_id,
        state.clock.now_ts(),
    );
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
        .with("reset_session", false)
        .finish(&state, done)
        .await
}

#[derive(Deserialize)]
struct OauthAuthenticateRequest {
    oauth_token: String,
    #[allow(dead_code)] // the mock's IdP tokens carry no PKCE challenge
    pkce_code_verifier: Option<String>,
    #[serde(flatten)]
    args: SessionArgs,
}

/// How Stytch spells the provider in `provider_type` and OAuth registrations.
fn provider_type(provider: &str) -> &'static str {
    match provider {
        "google" => "Google",
        "microsoft" => "Microsoft",
        "hubspot" => "HubSpot",
        "slack" => "Slack",
        _ => "GitHub",
    }
}

async fn oauth_authenticate(
    State(state): State<AppState>,
    Body(req): Body<OauthAuthenticateRequest>,
) -> ApiResult<Reply> {
    let mut tx = state.db.write().await?;
    let ctx = req.args.load(&mut tx, &state).await?;
    let t = match auth_token::redeem(&mut tx, &state, &req.oauth_token, &[Kind::Oauth]).await? {
        Ok(t) => t,
        Err(Refusal::NotFound) => {
            return Err(ApiError::of(catalog::OAUTH_TOKEN_NOT_FOUND));
        }
        Err(Refusal::Spent) => {
            return Err(ApiError::of(catalog::UNABLE_TO_AUTH_OAUTH_TOKEN));
        }
    };
    let org = Organization::get(&mut tx, &t.organization_id).await?;
    let provider = detail_str(&t, "provider").to_owned();
    let subject = detail_str(&t, "provider_subject").to_owned();
    let mut member =
        match Member::find_by_email(&mut tx, &org.organization_id, &t.email_address).await? {
            Some(m) => m,
            None if provision::email_jit_allowed(&org, &t.email_address) => {
                provision::create_member(&mut tx, &state, &org, &t.email_address, "active").await?
            }
            None => return Err(provision::email_jit_refused()),
        };
    let ptype = provider_type(&provider);
    let registration_id = match member
        .oauth_registrations
        .iter()
        .find(|r| r["provider_type"] == ptype && r["provider_subject"] == subject.as_str())
    {
        Some(r) => r["member_oauth_registration_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        None => {
            let id = state.ids.id("oauth-member-registration");
            member.oauth_registrations.push(json!({
                "provider_type": ptype, "provider_subject": subject, "member_oauth_registration_id": id,
                "profile_picture_url": "", "locale": "",
            }));
            id
        }
    };
    if member.status != "active" {
        member.status = "active".into();
    }
    if matches!(provider.as_str(), "google" | "microsoft") {
        member.email_address_verified = true;
    }
    let now = state.clock.now_ts();
    member.updated_at = rfc3339(now);
    member.save(&mut tx).await?;
    let mut proven = factor::oauth(&provider, &registration_id, &subject, now)?;
    if let Some(sub) = proven
        .get_mut(format!("{provider}_oauth_factor"))
        .filter(|s| s.get("email_id").is_some())
    {
        sub["email_id"] = Value::from(factor::email_id(&state.ids, &member));
    }
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
    let provider_values = json!({
        "access_token": format!("mock-{provider}-access-token-{}", &t.token[..16]),
        "refresh_token": "",
        "id_token": "",
        "expires_at": rfc3339(now + 3600),
        "scopes": ["openid", "email", "profile"],
    });
    d.reply()
        .with("provider_subject", subject)
        .with("provider_type", ptype)
        .with("reset_sessions", false)
        .with("provider_values", provider_values)
        .finish(&state, done)
        .await
}
