//! Organization, member and member-session shapes (CONTRACT §2.1, §2.2, §2.7); `""` → `None`.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::serde_util::{opt_string, opt_timestamp};

/// `organization.mfa_policy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum MfaPolicy {
    #[serde(rename = "OPTIONAL")]
    Optional,
    #[serde(rename = "REQUIRED_FOR_ALL")]
    RequiredForAll,
    /// A value this client does not know; treated by callers as the strictest reading.
    #[serde(other)]
    Unknown,
}

/// `organization.mfa_methods`: whether `allowed_mfa_methods` restricts anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum MfaMethods {
    #[serde(rename = "ALL_ALLOWED")]
    AllAllowed,
    #[serde(rename = "RESTRICTED")]
    Restricted,
    #[serde(other)]
    Unknown,
}

/// An MFA method name as Stytch spells it (`allowed_mfa_methods`, `default_mfa_method`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
pub enum MfaMethod {
    #[serde(rename = "sms_otp")]
    SmsOtp,
    #[serde(rename = "totp")]
    Totp,
    #[serde(other)]
    Other,
}

impl MfaMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            MfaMethod::SmsOtp => "sms_otp",
            MfaMethod::Totp => "totp",
            MfaMethod::Other => "other",
        }
    }
}

fn opt_method<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<MfaMethod>, D::Error> {
    Ok(match opt_string(d)?.as_deref() {
        None => None,
        Some("sms_otp") => Some(MfaMethod::SmsOtp),
        Some("totp") => Some(MfaMethod::Totp),
        Some(_) => Some(MfaMethod::Other),
    })
}

fn default_mfa_methods() -> MfaMethods {
    MfaMethods::AllAllowed
}

fn default_mfa_policy() -> MfaPolicy {
    MfaPolicy::Optional
}

/// The organization fields the MFA flows read; everything else is ignored.
#[derive(Clone, Debug, Deserialize)]
pub struct Organization {
    pub organization_id: String,
    #[serde(default)]
    pub organization_name: String,
    #[serde(default)]
    pub organization_slug: String,
    #[serde(default = "default_mfa_policy")]
    pub mfa_policy: MfaPolicy,
    #[serde(default = "default_mfa_methods")]
    pub mfa_methods: MfaMethods,
    #[serde(default)]
    pub allowed_mfa_methods: Vec<MfaMethod>,
    #[serde(default)]
    pub auth_methods: Option<String>,
    #[serde(default)]
    pub allowed_auth_methods: Vec<String>,
}

/// The member fields the MFA flows read. `""` from Stytch becomes `None`.
#[derive(Clone, Debug, Deserialize)]
pub struct Member {
    pub member_id: String,
    pub organization_id: String,
    pub email_address: String,
    #[serde(default)]
    pub status: String,
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    #[serde(default)]
    pub mfa_enrolled: bool,
    #[serde(default, deserialize_with = "opt_string")]
    pub mfa_phone_number: Option<String>,
    #[serde(default)]
    pub mfa_phone_number_verified: bool,
    #[serde(default, deserialize_with = "opt_string")]
    pub totp_registration_id: Option<String>,
    #[serde(default, deserialize_with = "opt_method")]
    pub default_mfa_method: Option<MfaMethod>,
    #[serde(default)]
    pub is_breakglass: bool,
    #[serde(default, deserialize_with = "opt_string")]
    pub member_password_id: Option<String>,
    #[serde(default)]
    pub email_address_verified: bool,
    #[serde(default)]
    pub is_locked: bool,
}

/// One proven factor of a session (`type` / `delivery_method`, CONTRACT §2.7).
#[derive(Clone, Debug, Deserialize)]
pub struct AuthenticationFactor {
    #[serde(rename = "type")]
    pub factor_type: String,
    pub delivery_method: String,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub last_authenticated_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct MemberSession {
    pub member_session_id: String,
    pub member_id: String,
    pub organization_id: String,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub started_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub last_accessed_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "opt_timestamp")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub authentication_factors: Vec<AuthenticationFactor>,
    #[serde(default)]
    pub roles: Vec<String>,
}
