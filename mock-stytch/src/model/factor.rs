//! Authentication factors as sessions list them (CONTRACT §2.7): the exact `type` /
//! `delivery_method` enums Python validates, and the one sub-object each kind carries.
//!
//! A factor is plain JSON because it is stored in a session row and sent unchanged.

use serde_json::{Value, json};

use crate::clock::rfc3339;
use crate::ids::{Ids, uuid_from};
use crate::model::Member;

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

fn base(kind: &str, delivery: &str, now: i64) -> Value {
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
        base("magic_link", "email", now),
        "email_factor",
        email_factor(ids, m),
    )
}

pub fn email_otp(ids: &Ids, m: &Member, now: i64) -> Value {
    with(
        base("email_otp", "email", now),
        "email_factor",
        email_factor(ids, m),
    )
}

pub fn password(ids: &Ids, m: &Member, now: i64) -> Value {
    with(
        base("password", "knowledge", now),
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
        ("sso_oidc", "oidc_sso_factor")
    } else {
        ("sso_saml", "saml_sso_factor")
    };
    with(
        base("sso", delivery, now),
        key,
        json!({"id": registration_id, "provider_id": connection_id, "external_id": external_id}),
    )
}

/// `provider` is one of google, microsoft, hubspot, slack, github.
pub fn oauth(provider: &str, registration_id: &str, provider_subject: &str, now: i64) -> Value {
    let key = format!("{provider}_oauth_factor");
    let mut sub = json!({"id": registration_id, "provider_subject": provider_subject});
    if provider == "google" || provider == "microsoft" {
        sub["email_id"] = Value::from("");
    }
    with(base("oauth", &format!("oauth_{provider}"), now), &key, sub)
}

pub fn sms(ids: &Ids, m: &Member, now: i64) -> Value {
    with(
        base("otp", "sms", now),
        "phone_number_factor",
        json!({"phone_id": phone_id(ids, m), "phone_number": m.mfa_phone_number}),
    )
}

pub fn totp(totp_id: &str, now: i64) -> Value {
    with(
        base("totp", "authenticator_app", now),
        "authenticator_app_factor",
        json!({"totp_id": totp_id}),
    )
}

pub fn recovery_code(code_id: &str, now: i64) -> Value {
    with(
        base("recovery_codes", "recovery_code", now),
        "recovery_code_factor",
        json!({"totp_recovery_code_id": code_id}),
    )
}

/// Is this an MFA (secondary) factor?
pub fn is_mfa(factor: &Value) -> bool {
    matches!(
        factor["type"].as_str(),
        Some("otp" | "totp" | "recovery_codes")
    )
}

/// Add `factor` to a bag, replacing an earlier factor of the same kind and delivery method
/// (re-proving a factor refreshes it rather than listing it twice).
pub fn merge(bag: &mut Vec<Value>, factor: Value) {
    bag.retain(|f| {
        !(f["type"] == factor["type"] && f["delivery_method"] == factor["delivery_method"])
    });
    bag.push(factor);
}
