//! Passwords: authenticate, email reset (start + complete), reset by existing password.

use serde::{Deserialize, Serialize};

use super::SessionOptions;
use crate::client::StytchClient;
use crate::error::StytchError;
use crate::secret::{IntermediateSessionToken, Secret, SessionAuth, expose, expose_opt};
use crate::wire::{Member, PrimaryAuthResponse};

#[derive(Clone, Debug, Serialize)]
pub struct PasswordAuthenticateRequest {
    pub organization_id: String,
    pub email_address: String,
    #[serde(serialize_with = "expose")]
    pub password: Secret,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionAuth>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "expose_opt")]
    pub intermediate_session_token: Option<IntermediateSessionToken>,
    #[serde(flatten)]
    pub session_options: SessionOptions,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

impl PasswordAuthenticateRequest {
    pub fn new(
        organization_id: impl Into<String>,
        email_address: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Self {
        PasswordAuthenticateRequest {
            organization_id: organization_id.into(),
            email_address: email_address.into(),
            password: password.into(),
            session: None,
            intermediate_session_token: None,
            session_options: SessionOptions::default(),
            locale: None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct PasswordResetStartRequest {
    pub organization_id: String,
    pub email_address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset_password_redirect_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reset_password_expiration_minutes: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_redirect_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

impl PasswordResetStartRequest {
    pub fn new(organization_id: impl Into<String>, email_address: impl Into<String>) -> Self {
        PasswordResetStartRequest {
            organization_id: organization_id.into(),
            email_address: email_address.into(),
            reset_password_redirect_url: None,
            reset_password_expiration_minutes: None,
            login_redirect_url: None,
            locale: None,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct PasswordResetStartResponse {
    #[serde(default)]
    pub request_id: String,
    pub member_id: String,
    #[serde(default)]
    pub member_email_id: String,
    pub member: Member,
}

#[derive(Clone, Debug, Serialize)]
pub struct PasswordEmailResetRequest {
    #[serde(serialize_with = "expose")]
    pub password_reset_token: Secret,
    #[serde(serialize_with = "expose")]
    pub password: Secret,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionAuth>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "expose_opt")]
    pub intermediate_session_token: Option<IntermediateSessionToken>,
    #[serde(flatten)]
    pub session_options: SessionOptions,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_verifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

impl PasswordEmailResetRequest {
    pub fn new(password_reset_token: impl Into<Secret>, password: impl Into<Secret>) -> Self {
        PasswordEmailResetRequest {
            password_reset_token: password_reset_token.into(),
            password: password.into(),
            session: None,
            intermediate_session_token: None,
            session_options: SessionOptions::default(),
            code_verifier: None,
            locale: None,
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ExistingPasswordResetRequest {
    pub organization_id: String,
    pub email_address: String,
    #[serde(serialize_with = "expose")]
    pub existing_password: Secret,
    #[serde(serialize_with = "expose")]
    pub new_password: Secret,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionAuth>,
    #[serde(flatten)]
    pub session_options: SessionOptions,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

impl ExistingPasswordResetRequest {
    pub fn new(
        organization_id: impl Into<String>,
        email_address: impl Into<String>,
        existing_password: impl Into<Secret>,
        new_password: impl Into<Secret>,
    ) -> Self {
        ExistingPasswordResetRequest {
            organization_id: organization_id.into(),
            email_address: email_address.into(),
            existing_password: existing_password.into(),
            new_password: new_password.into(),
            session: None,
            session_options: SessionOptions::default(),
            locale: None,
        }
    }
}

impl StytchClient {
    /// POST `/v1/b2b/passwords/authenticate`.
    pub async fn passwords_authenticate(
        &self,
        req: &PasswordAuthenticateRequest,
    ) -> Result<PrimaryAuthResponse, StytchError> {
        self.post(&["passwords", "authenticate"], req).await
    }

    /// POST `/v1/b2b/passwords/email/reset/start`.
    pub async fn passwords_email_reset_start(
        &self,
        req: &PasswordResetStartRequest,
    ) -> Result<PasswordResetStartResponse, StytchError> {
        self.post(&["passwords", "email", "reset", "start"], req)
            .await
    }

    /// POST `/v1/b2b/passwords/email/reset`.
    pub async fn passwords_email_reset(
        &self,
        req: &PasswordEmailResetRequest,
    ) -> Result<PrimaryAuthResponse, StytchError> {
        self.post(&["passwords", "email", "reset"], req).await
    }

    /// POST `/v1/b2b/passwords/existing_password/reset`.
    pub async fn passwords_existing_password_reset(
        &self,
        req: &ExistingPasswordResetRequest,
    ) -> Result<PrimaryAuthResponse, StytchError> {
        self.post(&["passwords", "existing_password", "reset"], req)
            .await
    }
}
