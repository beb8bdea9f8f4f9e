//! The catalog of every `error_type` the mock emits, with its HTTP status and a default
//! message: what a fault rule's `error` action (`crate::faults`) answers with, so an injected
//! error looks exactly like one the mock (and Stytch) really sends.
//!
//! The test below reads `src/` and fails when a handler builds an `error_type` that is not
//! listed here (or lists it with another status), so the catalog cannot fall behind the code.
//! Messages are defaults: where a handler words the error per request (naming a field), the
//! entry keeps a general wording. Must never carry a secret; entries are only ever added here.

use axum::http::StatusCode;

/// One error the mock can answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub error_type: &'static str,
    pub status: StatusCode,
    pub message: &'static str,
}

const fn e(error_type: &'static str, status: u16, message: &'static str) -> Entry {
    let status = match StatusCode::from_u16(status) {
        Ok(s) => s,
        Err(_) => panic!("catalog status out of range"),
    };
    Entry {
        error_type,
        status,
        message,
    }
}

/// Sorted by `error_type` (the test checks it, so a lookup could bisect; a scan is fast enough).
#[rustfmt::skip]
pub const CATALOG: &[Entry] = &[
    e("active_totp_exists", 400, "The member already has an active TOTP registration. Delete it before creating another."),
    e("allowed_auth_methods_required_for_restricted", 400, "allowed_auth_methods must name at least one method when auth_methods is RESTRICTED."),
    e("allowed_mfa_methods_required_for_restricted", 400, "allowed_mfa_methods must name at least one method when mfa_methods is RESTRICTED."),
    e("bad_request", 400, "The request could not be processed."),
    e("default_mfa_member_missing_factor", 400, "The member has no factor of that kind to make the default."),
    e("duplicate_member_email", 400, "A member with that email address already exists."),
    e("duplicate_member_external_id", 400, "A member with that external_id already exists."),
    e("duplicate_member_phone_number_for_member", 400, "This member already has an MFA phone number; delete it before setting another."),
    e("fault_not_found", 404, "No fault rule with that id; GET /_mock/faults lists them."),
    e("intermediate_session_not_found", 404, "Intermediate session could not be found, has expired or was already used."),
    e("internal_server_error", 500, "Oops, something seems to have gone wrong. The mock logged the cause."),
    e("invalid_argument", 400, "A field has the wrong type or value."),
    e("invalid_connected_apps_setting", 400, "The connected apps setting is not one of the accepted values."),
    e("invalid_content_type", 415, "Request bodies must be JSON (Content-Type: application/json)."),
    e("invalid_cursor", 400, "cursor is not one this server returned."),
    e("invalid_custom_claims", 400, "session_custom_claims must be at most 4 KB."),
    e("invalid_email", 400, "Email format is invalid."),
    e("invalid_email_for_invites", 400, "The organization's email_invites setting does not allow inviting this email address."),
    e("invalid_email_for_jit_provisioning", 400, "This email address is not a member of the organization and its domain may not join it just in time."),
    e("invalid_email_invites", 400, "email_invites is not one of the accepted values."),
    e("invalid_email_jit_provisioning", 400, "email_jit_provisioning is not one of the accepted values."),
    e("invalid_fixture", 400, "The fixture document is not valid; the message names the place."),
    e("invalid_hash_type", 400, "The password hash type is not supported."),
    e("invalid_limit", 400, "limit must be between 1 and 1000."),
    e("invalid_mfa_default_method", 400, "default_mfa_method is not one of the accepted values."),
    e("invalid_oauth_tenant_jit_provisioning", 400, "oauth_tenant_jit_provisioning is not one of the accepted values."),
    e("invalid_organization_allowed_auth_methods", 400, "allowed_auth_methods names a method that is not one of the accepted values."),
    e("invalid_organization_allowed_mfa_methods", 400, "allowed_mfa_methods names a method that is not one of the accepted values."),
    e("invalid_organization_auth_methods", 400, "auth_methods is not one of the accepted values."),
    e("invalid_organization_mfa_factor_setting", 400, "mfa_methods is not one of the accepted values."),
    e("invalid_organization_mfa_policy", 400, "mfa_policy is not one of the accepted values."),
    e("invalid_organization_name", 400, "organization_name must be 1 to 128 characters."),
    e("invalid_organization_slug", 400, "organization_slug must be 2 to 128 characters of letters, digits, '-', '.', '_' or '~'."),
    e("invalid_password_hash", 400, "The password hash could not be parsed."),
    e("invalid_phone_number", 400, "Phone number format is invalid. Use E.164, e.g. +14155551234."),
    e("invalid_search_query", 400, "The search query is not valid."),
    e("invalid_session_duration_minutes", 400, "session_duration_minutes must be between 5 and 527040."),
    e("invalid_snapshot", 400, "The file is not a snapshot of this mock (schema, migrations or seed differ)."),
    e("invalid_sso_jit_provisioning", 400, "sso_jit_provisioning is not one of the accepted values."),
    e("magic_link_not_found", 404, "The magic link could not be found."),
    e("member_already_active", 400, "This member is already active in the organization."),
    e("member_not_found", 404, "Member could not be found."),
    e("member_password_not_found", 404, "No password with that id."),
    e("member_phone_number_not_found", 404, "The member has no MFA phone number."),
    e("method_not_allowed", 405, "This route does not accept that HTTP method."),
    e("no_primary_factor", 400, "Nothing was proven: no primary factor to authenticate with."),
    e("no_session_arguments", 400, "Provide one of intermediate_session_token, session_token or session_jwt."),
    e("no_session_revoke_arguments", 400, "Provide one of member_session_id, session_token, session_jwt or member_id."),
    e("oauth_token_not_found", 404, "The OAuth token could not be found."),
    e("operation_restricted_by_organization_mfa_methods", 403, "The organization's mfa_methods setting does not allow this MFA method."),
    e("organization_external_id_already_used", 400, "That organization_external_id is already used."),
    e("organization_not_found", 404, "Organization could not be found."),
    e("organization_slug_already_used", 400, "That organization_slug is already used."),
    e("otp_code_attempts_exceeded", 401, "Too many wrong attempts on this OTP code. Send a new one."),
    e("otp_code_not_found", 404, "The OTP code is incorrect or could not be found."),
    e("pkce_mismatch", 400, "The PKCE code verifier does not match the code challenge the token was issued with."),
    e("project_not_found", 404, "No project with that project_id."),
    e("recovery_code_used_as_totp_code", 400, "This looks like a recovery code. Use /v1/b2b/recovery_codes/recover for it."),
    e("recovery_codes_not_found", 404, "The member has no active TOTP registration, so no recovery codes."),
    e("request_too_large", 413, "The request body is larger than the 1 MiB the mock accepts."),
    e("route_not_found", 404, "No such route. Check the path and method."),
    e("session_authorization_error", 403, "The session given does not belong to this member_id and organization."),
    e("session_enforced_factor_matching_session_required", 403, "The member already has an MFA factor. To enroll another one, pass a session holding it."),
    e("session_not_found", 404, "Session could not be found, has expired or was revoked."),
    e("session_too_old_to_reset_password", 400, "The session must hold a factor authenticated in the last 5 minutes to reset the password."),
    e("sso_jit_provisioning_not_allowed", 403, "This email address is not a member of the organization and sso_jit_provisioning does not allow it to join."),
    e("sso_token_not_found", 404, "The SSO token could not be found."),
    e("too_many_requests", 429, "Too many requests have been made. Please slow down and try again later."),
    e("too_many_session_arguments", 400, "Provide only one of intermediate_session_token, session_token or session_jwt."),
    e("too_many_session_revoke_arguments", 400, "Provide only one of member_session_id, session_token, session_jwt or member_id."),
    e("totp_code_already_authenticated", 401, "This TOTP code was already used. Wait for the next code."),
    e("totp_code_used_as_recovery_code", 400, "This looks like a TOTP code. Use /v1/b2b/totp/authenticate for it."),
    e("totp_not_found", 404, "The member has no TOTP registration."),
    e("unable_to_auth_magic_link", 401, "The magic link could not be authenticated: it was already used or has expired."),
    e("unable_to_auth_oauth_token", 401, "The OAuth token could not be authenticated: it was already used or has expired."),
    e("unable_to_auth_otp_code", 401, "The OTP code has expired or was already used. Send a new one."),
    e("unable_to_auth_sso_token", 401, "The SSO token could not be authenticated: it was already used or has expired."),
    e("unable_to_authenticate_recovery_code", 401, "The recovery code is incorrect or was already used."),
    e("unable_to_authenticate_totp", 401, "The TOTP code is incorrect or has expired."),
    e("unauthorized_action", 403, "The member's roles do not grant that action on that resource."),
    e("unauthorized_credentials", 401, "Unauthorized credentials."),
    e("user_lock_limit_reached", 429, "The member has been locked out due to too many failed authentication attempts. Please try again later."),
    e("weak_password", 400, "The password is too weak."),
];

/// The entry for `error_type`, if the mock emits it.
pub fn lookup(error_type: &str) -> Option<&'static Entry> {
    CATALOG.iter().find(|e| e.error_type == error_type)
}

/// `429 too_many_requests`, the answer of a fault rule's `too_many_requests` action.
pub fn too_many_requests() -> &'static Entry {
    lookup("too_many_requests").expect("too_many_requests is in the catalog")
}

#[cfg(test)]
#[path = "catalog_scan.rs"]
mod scan;
