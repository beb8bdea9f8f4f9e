//! Authentication factors as sessions list them (CONTRACT §2.7): the exact `type` /
//! `delivery_method` enums Python validates ([`FactorType`], [`DeliveryMethod`]), and the one
//! sub-object each kind carries.
//!
//! A factor is plain JSON because it is stored in a session row and sent unchanged; its `type`
//! and `delivery_method` are only ever written from, and read back into, the enums below.

use serde_json::{Value, json};

use crate::clock::rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::ids::{Ids, uuid_from};
use crate::model::Member;
use crate::model::policy::{AuthMethod, wire_enum};

wire_enum!(
    /// A factor's `type`.
    FactorType {
        MagicLink = "magic_link",
        EmailOtp = "email_otp",
        Password = "password",
        Sso = "sso",
        Oauth = "oauth",
        Otp = "otp",
        Totp = "totp",
        RecoveryCodes = "recovery_codes",
    }
);

impl FactorType {
    /// Is this a second (MFA) factor rather than a primary one?
    pub fn is_mfa(self) -> bool {
        matches!(
            self,
            FactorType::Otp | FactorType::Totp | FactorType::RecoveryCodes
        )
    }
}

wire_enum!(
    /// A factor's `delivery_method`: the ones the mock writes, and the `oauth_exchange_*` ones
    /// Stytch writes for exchanged OAuth factors (read, never written here).
    DeliveryMethod {
        Email = "email",
        Knowledge = "knowledge",
        SsoSaml = "sso_saml",
        SsoOidc = "sso_oidc",
        OauthGoogle = "oauth_google",
        OauthMicrosoft = "oauth_microsoft",
        OauthHubspot = "oauth_hubspot",
        OauthSlack = "oauth_slack",
        OauthGithub = "oauth_github",
        OauthExchangeGoogle = "oauth_exchange_google",
        OauthExchangeMicrosoft = "oauth_exchange_microsoft",
        OauthExchangeHubspot = "oauth_exchange_hubspot",
        OauthExchangeSlack = "oauth_exchange_slack",
        OauthExchangeGithub = "oauth_exchange_github",
        Sms = "sms",
        AuthenticatorApp = "authenticator_app",
        RecoveryCode = "recovery_code",
    }
);

/// A factor's `type`, if it is one the mock knows.
pub fn kind(f: &Value) -> Option<FactorType> {
    FactorType::from_wire(f["type"].as_str()?)
}

/// A factor's `delivery_method`, if it is one the mock knows.
pub fn delivery(f: &Value) -> Option<DeliveryMethod> {
    DeliveryMethod::from_wire(f["delivery_method"].as_str()?)
}

/// The `allowed_auth_methods` method a factor proves (`None` for MFA factors).
pub fn auth_method(f: &Value) -> Option<AuthMethod> {
    use DeliveryMethod as D;
    Some(match kind(f)? {
        FactorType::MagicLink => AuthMethod::MagicLink,
        FactorType::EmailOtp => AuthMethod::EmailOtp,
        FactorType::Password => AuthMethod::Password,
        FactorType::Sso => AuthMethod::Sso,
        FactorType::Oauth => match delivery(f)? {
            D::OauthGoogle | D::OauthExchangeGoogle => AuthMethod::GoogleOauth,
            D::OauthMicrosoft | D::OauthExchangeMicrosoft => AuthMethod::MicrosoftOauth,
            D::OauthHubspot | D::OauthExchangeHubspot => AuthMethod::HubspotOauth,
            D::OauthSlack | D::OauthExchangeSlack => AuthMethod::SlackOauth,
            D::OauthGithub | D::OauthExchangeGithub => AuthMethod::GithubOauth,
            _ => return None,
        },
        FactorType::Otp | FactorType::Totp | FactorType::RecoveryCodes => return None,
    })
}

/// The stable `member-email-test-…` id of a member's email (also the magic link `method_id`).
pub fn email_id(ids: &Ids, member: &Member) -> String {
    format!(
        "member-email-test-{}",
        uuid_from(&ids.derive("email-id", member.member_id.as_bytes()))
    )
}

/// The stable `member-phone-test-…` id of a member's MFA phone number.
pub fn phone_id(ids: &Ids, member: &Member) -> String {
    let key = format!("{}|{}", member.member_id, member.mfa_phone_number);
    format!(
        "member-phone-test-{}",
        uuid_from(&ids.derive("phone-id", key.as_bytes()))
    )
}

fn base(kind: FactorType, delivery: DeliveryMethod, now: i64) -> Value {
    let t = rfc3339(now);
    json!({"type": kind, "delivery_method": delivery, "last_authenticated_at": t, "created_at": t, "updated_at": t})
}

fn with(mut f: Value, key: &str, sub: Value) -> Value {
    f[key] = sub;
    f
}

fn email_factor(ids: &Ids, m: &Member) -> Value {
    json!({"email_id": email_id(ids, m), "email_address": m.email_address})
}

pub fn magic_link(ids: &Ids, m: &Member, now: i64) -> Value {
    with(
        base(FactorType::MagicLink, DeliveryMethod::Email, now),
        "email_factor",
        email_factor(ids, m),
    )
}

pub fn email_otp(ids: &Ids, m: &Member, now: i64) -> Value {
    with(
        base(FactorType::EmailOtp, DeliveryMethod::Email, now),
        "email_factor",
        email_factor(ids, m),
    )
}

pub fn password(ids: &Ids, m: &Member, now: i64) -> Value {
    with(
        base(FactorType::Password, DeliveryMethod::Knowledge, now),
        "email_factor",
        email_factor(ids, m),
    )
}

/// `protocol` is `saml` or `oidc`.
pub fn sso(
    protocol: &str,
    connection_id: &str,
    external_id: &str,
    registration_id: &str,
    now: i64,
) -> Value {
    let (delivery, key) = if protocol == "oidc" {
        (DeliveryMethod::SsoOidc, "oidc_sso_factor")
    } else {
        (DeliveryMethod::SsoSaml, "saml_sso_factor")
    };
    with(
        base(FactorType::Sso, delivery, now),
        key,
        json!({"id": registration_id, "provider_id": connection_id, "external_id": external_id}),
    )
}

/// `provider` is one of google, microsoft, hubspot, slack, github (another is a 500: the
/// caller validated it).
pub fn oauth(
    provider: &str,
    registration_id: &str,
    provider_subject: &str,
    now: i64,
) -> ApiResult<Value> {
    let delivery =
        DeliveryMethod::from_wire(&format!("oauth_{provider}")).ok_or_else(ApiError::internal)?;
    let key = format!("{provider}_oauth_factor");
    let mut sub = json!({"id": registration_id, "provider_subject": provider_subject});
    if provider == "google" || provider == "microsoft" {
        sub["email_id"] = Value::from("");
    }
    Ok(with(base(FactorType::Oauth, delivery, now), &key, sub))
}

pub fn sms(ids: &Ids, m: &Member, now: i64) -> Value {
    with(
        base(FactorType::Otp, DeliveryMethod::Sms, now),
        "phone_number_factor",
        json!({"phone_id": phone_id(ids, m), "phone_number": m.mfa_phone_number}),
    )
}

pub fn totp(totp_id: &str, now: i64) -> Value {
    with(
        base(FactorType::Totp, DeliveryMethod::AuthenticatorApp, now),
        "authenticator_app_factor",
        json!({"totp_id": totp_id}),
    )
}

pub fn recovery_code(code_id: &str, now: i64) -> Value {
    with(
        base(FactorType::RecoveryCodes, DeliveryMethod::RecoveryCode, now),
        "recovery_code_factor",
        json!({"totp_recovery_code_id": code_id}),
    )
}

/// Is this an MFA (secondary) factor?
pub fn is_mfa(factor: &Value) -> bool {
    kind(factor).is_some_and(FactorType::is_mfa)
}

/// Add `factor` to a bag, replacing an earlier factor of the same kind and delivery method
/// (re-proving a factor refreshes it rather than listing it twice).
pub fn merge(bag: &mut Vec<Value>, factor: Value) {
    bag.retain(|f| {
        !(f["type"] == factor["type"] && f["delivery_method"] == factor["delivery_method"])
    });
    bag.push(factor);
}
