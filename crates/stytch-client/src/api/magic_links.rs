//! Email magic links: send a login/signup link, authenticate the token (primary factor).

use serde::{Deserialize, Serialize};

use super::SessionOptions;
use crate::client::StytchClient;
use crate::error::StytchError;
use crate::secret::{IntermediateSessionToken, Secret, SessionAuth, expose, expose_opt};
use crate::wire::{Member, Organization, PrimaryAuthResponse};

#[derive(Clone, Debug, Serialize)]
pub struct LoginOrSignupRequest {
    pub organization_id: String,
    pub email_address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_redirect_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signup_redirect_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_expiration_minutes: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signup_expiration_minutes: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

impl LoginOrSignupRequest {
    pub fn new(organization_id: impl Into<String>, email_address: impl Into<String>) -> Self {
        LoginOrSignupRequest {
            organization_id: organization_id.into(),
            email_address: email_address.into(),
            login_redirect_url: None,
            signup_redirect_url: None,
            login_expiration_minutes: None,
            signup_expiration_minutes: None,
            locale: None,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct LoginOrSignupResponse {
    #[serde(default)]
    pub request_id: String,
    pub member_id: String,
    #[serde(default)]
    pub member_created: bool,
    pub member: Member,
    pub organization: Organization,
}

#[derive(Clone, Debug, Serialize)]
pub struct MagicLinkAuthenticateRequest {
    /// `magic_links_token`, not `token` (CONTRACT §6).
    #[serde(serialize_with = "expose")]
    pub magic_links_token: Secret,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pkce_code_verifier: Option<String>,
    /// An existing session of the same member: the factor is added to it (CONTRACT §3 R2.1).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionAuth>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "expose_opt")]
    pub intermediate_session_token: Option<IntermediateSessionToken>,
    #[serde(flatten)]
    pub session_options: SessionOptions,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

impl MagicLinkAuthenticateRequest {
    pub fn new(magic_links_token: impl Into<Secret>) -> Self {
        MagicLinkAuthenticateRequest {
            magic_links_token: magic_links_token.into(),
            pkce_code_verifier: None,
            session: None,
            intermediate_session_token: None,
            session_options: SessionOptions::default(),
            locale: None,
        }
    }
}

impl StytchClient {
    /// POST `/v1/b2b/magic_links/email/login_or_signup`.
    pub async fn magic_links_email_login_or_signup(
        &self,
        req: &LoginOrSignupRequest,
    ) -> Result<LoginOrSignupResponse, StytchError> {
        self.post(&["magic_links", "email", "login_or_signup"], req)
            .await
    }

    /// POST `/v1/b2b/magic_links/authenticate`.
    pub async fn magic_links_authenticate(
        &self,
        req: &MagicLinkAuthenticateRequest,
    ) -> Result<PrimaryAuthResponse, StytchError> {
        self.post(&["magic_links", "authenticate"], req).await
    }
}
