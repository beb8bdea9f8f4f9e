//! SSO and OAuth authenticate: the token from the identity provider's callback.

use serde::Serialize;

use super::SessionOptions;
use crate::client::StytchClient;
use crate::error::StytchError;
use crate::secret::{IntermediateSessionToken, Secret, SessionAuth, expose, expose_opt};
use crate::wire::PrimaryAuthResponse;

#[derive(Clone, Debug, Serialize)]
pub struct SsoAuthenticateRequest {
    #[serde(serialize_with = "expose")]
    pub sso_token: Secret,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pkce_code_verifier: Option<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionAuth>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "expose_opt")]
    pub intermediate_session_token: Option<IntermediateSessionToken>,
    #[serde(flatten)]
    pub session_options: SessionOptions,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

impl SsoAuthenticateRequest {
    pub fn new(sso_token: impl Into<Secret>) -> Self {
        SsoAuthenticateRequest {
            sso_token: sso_token.into(),
            pkce_code_verifier: None,
            session: None,
            intermediate_session_token: None,
            session_options: SessionOptions::default(),
            locale: None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct OauthAuthenticateRequest {
    #[serde(serialize_with = "expose")]
    pub oauth_token: Secret,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pkce_code_verifier: Option<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionAuth>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "expose_opt")]
    pub intermediate_session_token: Option<IntermediateSessionToken>,
    #[serde(flatten)]
    pub session_options: SessionOptions,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

impl OauthAuthenticateRequest {
    pub fn new(oauth_token: impl Into<Secret>) -> Self {
        OauthAuthenticateRequest {
            oauth_token: oauth_token.into(),
            pkce_code_verifier: None,
            session: None,
            intermediate_session_token: None,
            session_options: SessionOptions::default(),
            locale: None,
        }
    }
}

impl StytchClient {
    /// POST `/v1/b2b/sso/authenticate`.
    pub async fn sso_authenticate(
        &self,
        req: &SsoAuthenticateRequest,
    ) -> Result<PrimaryAuthResponse, StytchError> {
        self.post(&["sso", "authenticate"], req).await
    }

    /// POST `/v1/b2b/oauth/authenticate`.
    pub async fn oauth_authenticate(
        &self,
        req: &OauthAuthenticateRequest,
    ) -> Result<PrimaryAuthResponse, StytchError> {
        self.post(&["oauth", "authenticate"], req).await
    }
}
