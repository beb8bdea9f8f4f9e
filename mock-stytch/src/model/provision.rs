//! Who may become a member of an organization without being created through the API: just-in-time
//! provisioning by email domain or SSO connection, email invites, and Stytch's sandbox values
//! (CONTRACT §2.1, §4).
//!
//! Sandbox values, all here: the organization [`SANDBOX_ORG_ID`] and its member
//! [`SANDBOX_EMAIL`] (no email sent; the magic-link sandbox tokens are in
//! `routes::magic_links`), and the SMS number [`SANDBOX_PHONE_NUMBER`], which receives no SMS
//! (nothing in the outbox) and whose code is always [`SANDBOX_SMS_CODE`] — Stytch documents both
//! for OTPs, and B2B MFA verifiers rely on them. The sandbox code is a real code otherwise: sent
//! first, single use, expiring, wrong attempts counted (see `model::sms`).
//!
//! Readings of the settings (documented, partly UNCONFIRMED):
//! * email JIT (magic links, email OTP, OAuth, IST exchange): `email_jit_provisioning ==
//!   "RESTRICTED"` and the email's domain is in `email_allowed_domains`;
//! * SSO JIT: `sso_jit_provisioning == "ALL_ALLOWED"`, or `"RESTRICTED"` and the connection is in
//!   `sso_jit_provisioning_allowed_connections`;
//! * invites: `email_invites == "ALL_ALLOWED"`, or `"RESTRICTED"` and the domain is allowed.
//!
//! Nothing here authenticates anyone: callers decide when a proof justifies provisioning.

use crate::db::Conn;
use serde_json::json;

use crate::clock::rfc3339;
use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::ids::uuid_from;
use crate::model::organization::OrgSettings;
use crate::model::{Member, Organization};
use crate::state::AppState;

/// Stytch's documented sandbox organization (§4).
pub const SANDBOX_ORG_ID: &str = "organization-test-007d9d4a-deac-4a87-ba0a-e6e8afba4d4b";
/// Stytch's documented sandbox email: 200 and no email sent (§4).
pub const SANDBOX_EMAIL: &str = "sandbox@stytch.com";
/// Stytch's documented SMS sandbox number: a send answers 200 and delivers nothing. Not a valid
/// real number, so [`crate::model::validate::phone_number`] accepts it by name.
pub const SANDBOX_PHONE_NUMBER: &str = "+10000000000";
/// The code every SMS "sent" to [`SANDBOX_PHONE_NUMBER`] carries (also with `--fixed-otp`).
pub const SANDBOX_SMS_CODE: &str = "000000";

/// The part after `@`, lower-cased.
pub fn email_domain(email: &str) -> String {
    email
        .rsplit_once('@')
        .map(|(_, d)| d.to_ascii_lowercase())
        .unwrap_or_default()
}

pub fn domain_allowed(org: &Organization, email: &str) -> bool {
    let domain = email_domain(email);
    org.email_allowed_domains
        .iter()
        .any(|d| d.eq_ignore_ascii_case(&domain))
}

pub fn email_jit_allowed(org: &Organization, email: &str) -> bool {
    org.email_jit_provisioning == "RESTRICTED" && domain_allowed(org, email)
}

pub fn invites_allowed(org: &Organization, email: &str) -> bool {
    match org.email_invites.as_str() {
        "ALL_ALLOWED" => true,
        "RESTRICTED" => domain_allowed(org, email),
        _ => false,
    }
}

pub fn sso_jit_allowed(org: &Organization, connection_id: &str) -> bool {
    match org.sso_jit_provisioning.as_str() {
        "ALL_ALLOWED" => true,
        "RESTRICTED" => org
            .sso_jit_provisioning_allowed_connections
            .iter()
            .any(|c| c == connection_id),
        _ => false,
    }
}

/// 400 `invalid_email_for_jit_provisioning` (name UNCONFIRMED).
pub fn email_jit_refused() -> ApiError {
    ApiError::worded(
        catalog::INVALID_EMAIL_FOR_JIT_PROVISIONING,
        "This email address is not a member of the organization and its domain may not join it just in time \
         (email_jit_provisioning must be RESTRICTED with the domain in email_allowed_domains).",
    )
}

/// A new member of `org` with `status`, stored.
pub async fn create_member(
    conn: &mut Conn,
    state: &AppState,
    org: &Organization,
    email: &str,
    status: &str,
) -> ApiResult<Member> {
    let now = rfc3339(state.clock.now_ts());
    let member = Member::new(
        &org.organization_id,
        state.ids.id("member"),
        email.to_ascii_lowercase(),
        status,
        &now,
    );
    member.insert(conn, state.ids.counter()).await?;
    Ok(member)
}

/// The sandbox organization and its `sandbox@stytch.com` member, created on first use with ids
/// that do not consume the counter (so using the sandbox does not shift other ids).
pub async fn ensure_sandbox(
    conn: &mut Conn,
    state: &AppState,
) -> ApiResult<(Organization, Member)> {
    let org = match Organization::find(conn, SANDBOX_ORG_ID).await? {
        Some(org) => org,
        None => {
            let settings = OrgSettings {
                organization_name: Some("Sandbox Organization".into()),
                organization_slug: Some("stytch-sandbox-organization".into()),
                ..OrgSettings::default()
            };
            let org = Organization::create(
                SANDBOX_ORG_ID.into(),
                &rfc3339(state.clock.now_ts()),
                settings,
            )?;
            org.insert(conn, state.ids.counter()).await?;
            org
        }
    };
    let member = match Member::find_by_email(conn, SANDBOX_ORG_ID, SANDBOX_EMAIL).await? {
        Some(m) => m,
        None => {
            let id = format!(
                "member-test-{}",
                uuid_from(&state.ids.derive("sandbox-member", b""))
            );
            let mut m = Member::new(
                SANDBOX_ORG_ID,
                id,
                SANDBOX_EMAIL.into(),
                "active",
                &rfc3339(state.clock.now_ts()),
            );
            m.email_address_verified = true;
            m.name = "Sandbox Member".into();
            m.untrusted_metadata = json!({});
            m.insert(conn, state.ids.counter()).await?;
            m
        }
    };
    Ok((org, member))
}

/// The member an email login/signup is for (magic links, email OTP): the existing member, or a
/// new `pending` one when email JIT provisioning allows it. Returns `(member, member_created)`.
pub async fn member_for_email_login(
    conn: &mut Conn,
    state: &AppState,
    org: &Organization,
    email: &str,
) -> ApiResult<(Member, bool)> {
    match Member::find_by_email(conn, &org.organization_id, email).await? {
        Some(m) => Ok((m, false)),
        None if email_jit_allowed(org, email) => Ok((
            create_member(conn, state, org, email, "pending").await?,
            true,
        )),
        None => Err(email_jit_refused()),
    }
}

/// A proof of the member's inbox: `pending`/`invited` become `active` and the email is verified.
/// Returns whether anything changed (then `updated_at` is bumped; the caller saves).
pub fn inbox_proven(state: &AppState, member: &mut Member) -> bool {
    let changed = member.status != "active" || !member.email_address_verified;
    member.status = "active".into();
    member.email_address_verified = true;
    if changed {
        member.updated_at = rfc3339(state.clock.now_ts());
    }
    changed
}
