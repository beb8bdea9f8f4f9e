//! One module per Stytch API family: its request structs, its response structs (when not
//! shared, see [`crate::wire`]) and its `impl StytchClient` methods.
//!
//! Request structs own their secrets and serialise them only into the request body; optional
//! fields are omitted when `None` (Stytch's SDKs never send `null`, CONTRACT §1.3).

pub mod magic_links;
pub mod members;
pub mod organizations;
pub mod otp_sms;
pub mod passwords;
pub mod recovery_codes;
pub mod sessions;
pub mod sso_oauth;
pub mod totp;

use serde::{Deserialize, Serialize};

use crate::secret::{SessionJwt, SessionToken};
use crate::wire::{Member, MemberSession, Organization};

/// `{member_id, member, organization}`: members create/get/update, SMS send.
#[derive(Clone, Debug, Deserialize)]
pub struct MemberResponse {
    #[serde(default)]
    pub request_id: String,
    pub member_id: String,
    pub member: Member,
    pub organization: Organization,
}

/// Success of an MFA-completing call (SMS OTP / TOTP authenticate, CONTRACT §2.9–§2.10): a
/// full session. Carries no IST and no `mfa_required`.
#[derive(Clone, Debug, Deserialize)]
pub struct MfaAuthenticateResponse {
    #[serde(default)]
    pub request_id: String,
    pub member_id: String,
    pub member: Member,
    pub organization: Organization,
    pub session_token: SessionToken,
    pub session_jwt: SessionJwt,
    #[serde(default)]
    pub member_session: Option<MemberSession>,
}

/// The options of the session a call mints, shared by every session-minting request (primary
/// auth, MFA authenticate, recovery codes, sessions authenticate/exchange) and `#[serde(flatten)]`ed
/// into its body where the single field used to be, so the bytes on the wire are unchanged.
/// Unset options are omitted (Stytch then uses 60 minutes and no custom claims).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SessionOptions {
    /// Lifetime of the minted (or, for sessions authenticate, extended) session.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_duration_minutes: Option<u32>,
    /// Extra claims for the session JWT (CONTRACT §2; reserved claim names are refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_custom_claims: Option<serde_json::Map<String, serde_json::Value>>,
}

/// `"enroll"` / `"unenroll"` for `set_mfa_enrollment` (a string, not a bool: CONTRACT §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SetMfaEnrollment {
    Enroll,
    Unenroll,
}
