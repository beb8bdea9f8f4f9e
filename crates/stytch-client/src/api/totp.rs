//! TOTP (authenticator app): create a registration, authenticate a code.
//! The path is `/v1/b2b/totp`, singular (CONTRACT §6).

use serde::{Deserialize, Serialize};

use super::MfaAuthenticateResponse;
use super::otp_sms::MfaAuthenticateRequest;
use crate::client::StytchClient;
use crate::error::StytchError;
use crate::secret::{Secret, SessionAuth};
use crate::wire::{Member, Organization};

#[derive(Clone, Debug, Serialize)]
pub struct TotpCreateRequest {
    pub organization_id: String,
    pub member_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_minutes: Option<u32>,
    /// Required when the member already has an active MFA factor (CONTRACT §3 R6 guard).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionAuth>,
}

impl TotpCreateRequest {
    pub fn new(organization_id: impl Into<String>, member_id: impl Into<String>) -> Self {
        TotpCreateRequest {
            organization_id: organization_id.into(),
            member_id: member_id.into(),
            expiration_minutes: None,
            session: None,
        }
    }
}

/// Show `qr_code` / `secret` once and hand `recovery_codes` to the member; keep none of them.
#[derive(Clone, Debug, Deserialize)]
pub struct TotpCreateResponse {
    #[serde(default)]
    pub request_id: String,
    pub member_id: String,
    pub totp_registration_id: String,
    pub secret: Secret,
    /// `data:image/png;base64,...`
    pub qr_code: String,
    pub recovery_codes: Vec<Secret>,
    pub member: Member,
    pub organization: Organization,
}

impl StytchClient {
    /// POST `/v1/b2b/totp`.
    pub async fn totp_create(
        &self,
        req: &TotpCreateRequest,
    ) -> Result<TotpCreateResponse, StytchError> {
        self.post(&["totp"], req).await
    }

    /// POST `/v1/b2b/totp/authenticate`.
    pub async fn totp_authenticate(
        &self,
        req: &MfaAuthenticateRequest,
    ) -> Result<MfaAuthenticateResponse, StytchError> {
        self.post(&["totp", "authenticate"], req).await
    }
}
