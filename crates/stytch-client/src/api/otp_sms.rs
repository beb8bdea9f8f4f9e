//! SMS one-time passcodes (MFA only): send a code, authenticate it.

use serde::Serialize;

use super::{MemberResponse, MfaAuthenticateResponse, SessionOptions, SetMfaEnrollment};
use crate::client::StytchClient;
use crate::error::StytchError;
use crate::secret::{Secret, SessionAuth, expose};

#[derive(Clone, Debug, Serialize)]
pub struct SmsSendRequest {
    pub organization_id: String,
    pub member_id: String,
    /// Needed only when the member has no phone yet; it is then attached to the member.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_phone_number: Option<String>,
    /// Required when the member already has an active MFA factor (CONTRACT §3 R6 guard).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionAuth>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

impl SmsSendRequest {
    pub fn new(organization_id: impl Into<String>, member_id: impl Into<String>) -> Self {
        SmsSendRequest {
            organization_id: organization_id.into(),
            member_id: member_id.into(),
            mfa_phone_number: None,
            session: None,
            locale: None,
        }
    }
}

/// Shared by SMS and TOTP authenticate (same body apart from the path).
#[derive(Clone, Debug, Serialize)]
pub struct MfaAuthenticateRequest {
    pub organization_id: String,
    pub member_id: String,
    #[serde(serialize_with = "expose")]
    pub code: Secret,
    /// Exactly one of IST / session token / session JWT.
    #[serde(flatten)]
    pub session: SessionAuth,
    #[serde(flatten)]
    pub session_options: SessionOptions,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_mfa_enrollment: Option<SetMfaEnrollment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_default_mfa: Option<bool>,
}

impl MfaAuthenticateRequest {
    pub fn new(
        organization_id: impl Into<String>,
        member_id: impl Into<String>,
        code: impl Into<Secret>,
        session: SessionAuth,
    ) -> Self {
        MfaAuthenticateRequest {
            organization_id: organization_id.into(),
            member_id: member_id.into(),
            code: code.into(),
            session,
            session_options: SessionOptions::default(),
            set_mfa_enrollment: None,
            set_default_mfa: None,
        }
    }
}

impl StytchClient {
    /// POST `/v1/b2b/otps/sms/send`.
    pub async fn otps_sms_send(&self, req: &SmsSendRequest) -> Result<MemberResponse, StytchError> {
        self.post(&["otps", "sms", "send"], req).await
    }

    /// POST `/v1/b2b/otps/sms/authenticate`.
    pub async fn otps_sms_authenticate(
        &self,
        req: &MfaAuthenticateRequest,
    ) -> Result<MfaAuthenticateResponse, StytchError> {
        self.post(&["otps", "sms", "authenticate"], req).await
    }
}
