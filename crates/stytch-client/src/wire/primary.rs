//! The common primary-auth response (CONTRACT §2.6) and its `mfa_required` / `primary_required` parts.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::models::{Member, MemberSession, Organization};
use super::serde_util::{opt_string, opt_timestamp};
use crate::secret::{IntermediateSessionToken, SessionJwt, SessionToken, empty_as_none};

/// The common primary-auth response (CONTRACT §2.6), returned by magic link, password, SSO,
/// OAuth, password resets and sessions exchange. Stytch's `""` tokens become `None`.
#[derive(Clone, Debug, Deserialize)]
pub struct PrimaryAuthResponse {
    #[serde(default)]
    pub request_id: String,
    pub member_id: String,
    /// Absent on sessions exchange and existing-password reset; use `organization`.
    #[serde(default, deserialize_with = "opt_string")]
    pub organization_id: Option<String>,
    pub member: Member,
    pub organization: Organization,
    pub member_authenticated: bool,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub session_token: Option<SessionToken>,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub session_jwt: Option<SessionJwt>,
    #[serde(default)]
    pub member_session: Option<MemberSession>,
    #[serde(default, deserialize_with = "empty_as_none")]
    pub intermediate_session_token: Option<IntermediateSessionToken>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub intermediate_session_token_expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub mfa_required: Option<MfaRequired>,
    #[serde(default)]
    pub primary_required: Option<PrimaryRequired>,
    /// Magic links / email OTP only.
    #[serde(default, deserialize_with = "opt_string")]
    pub method_id: Option<String>,
}

impl PrimaryAuthResponse {
    /// The organization this response is about (present on every variant via `organization`).
    pub fn organization_id(&self) -> &str {
        self.organization_id
            .as_deref()
            .unwrap_or(&self.organization.organization_id)
    }
}

/// Why the member is not authenticated yet: MFA is the blocker.
#[derive(Clone, Debug, Deserialize)]
pub struct MfaRequired {
    /// `None` → the member has no MFA factor yet and must enroll.
    #[serde(default)]
    pub member_options: Option<MemberOptions>,
    /// `Some(SmsOtp)` → Stytch already sent an SMS code with this response.
    #[serde(default)]
    pub secondary_auth_initiated: Option<SecondaryAuth>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct MemberOptions {
    #[serde(default, deserialize_with = "opt_string", alias = "mfa_phone")]
    pub mfa_phone_number: Option<String>,
    #[serde(default, deserialize_with = "opt_string")]
    pub totp_registration_id: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum SecondaryAuth {
    #[serde(rename = "sms_otp")]
    SmsOtp,
    #[serde(other)]
    Other,
}

/// Another *primary* factor is needed (e.g. the method is not allowed by the organization).
#[derive(Clone, Debug, Deserialize)]
pub struct PrimaryRequired {
    #[serde(default)]
    pub allowed_auth_methods: Vec<String>,
}
