//! The catalog of every `error_type` the mock emits, with its HTTP status and a default
//! message. Every [`crate::error::ApiError`] is built from one of these entries (a constant per
//! entry, `catalog::MEMBER_NOT_FOUND`), and a fault rule's `error` action (`crate::faults`)
//! answers with one, so an injected error looks exactly like one the mock (and Stytch) sends.
//!
//! The tests in `catalog_scan.rs` check the table is sorted and unique and that every entry is
//! used by the source. Messages are defaults: where a handler words the error per request
//! (naming a field), it passes its own wording. Must never carry a secret.

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

/// The constants, and [`CATALOG`] listing them in the order written.
macro_rules! catalog {
    ($($name:ident = $entry:expr;)+) => {
        $(pub const $name: Entry = $entry;)+
        pub const CATALOG: &[Entry] = &[$($name),+];
    };
}

// Sorted by `error_type` (the test checks it, so a lookup could bisect; a scan is fast enough).
// Each entry is also a constant named after it (`catalog::MEMBER_NOT_FOUND`), the only way to
// build an [`crate::error::ApiError`].
catalog! {
    ACTIVE_TOTP_EXISTS = e("active_totp_exists", 400, "The member already has an active TOTP registration. Delete it before creating another.");
    ALLOWED_AUTH_METHODS_REQUIRED_FOR_RESTRICTED = e("allowed_auth_methods_required_for_restricted", 400, "allowed_auth_methods must name at least one method when auth_methods is RESTRICTED.");
    ALLOWED_MFA_METHODS_REQUIRED_FOR_RESTRICTED = e("allowed_mfa_methods_required_for_restricted", 400, "allowed_mfa_methods must name at least one method when mfa_methods is RESTRICTED.");
    BAD_REQUEST = e("bad_request", 400, "The request could not be processed.");
    DEFAULT_MFA_MEMBER_MISSING_FACTOR = e("default_mfa_member_missing_factor", 400, "The member has no factor of that kind to make the default.");
    DUPLICATE_MEMBER_EMAIL = e("duplicate_member_email", 400, "A member with that email address already exists.");
    DUPLICATE_MEMBER_EXTERNAL_ID = e("duplicate_member_external_id", 400, "A member with that external_id already exists.");
    DUPLICATE_MEMBER_PHONE_NUMBER_FOR_MEMBER = e("duplicate_member_phone_number_for_member", 400, "This member already has an MFA phone number; delete it before setting another.");
    FAULT_NOT_FOUND = e("fault_not_found", 404, "No fault rule with that id; GET /_mock/faults lists them.");
    INTERMEDIATE_SESSION_NOT_FOUND = e("intermediate_session_not_found", 404, "Intermediate session could not be found, has expired or was already used.");
    INTERNAL_SERVER_ERROR = e("internal_server_error", 500, "Oops, something seems to have gone wrong. The mock logged the cause.");
    INVALID_ARGUMENT = e("invalid_argument", 400, "A field has the wrong type or value.");
    INVALID_CONNECTED_APPS_SETTING = e("invalid_connected_apps_setting", 400, "The connected apps setting is not one of the accepted values.");
    INVALID_CONTENT_TYPE = e("invalid_content_type", 415, "Request bodies must be JSON (Content-Type: application/json).");
    INVALID_CURSOR = e("invalid_cursor", 400, "cursor is not one this server returned.");
    INVALID_CUSTOM_CLAIMS = e("invalid_custom_claims", 400, "session_custom_claims must be at most 4 KB.");
    INVALID_EMAIL = e("invalid_email", 400, "Email format is invalid.");
    INVALID_EMAIL_FOR_INVITES = e("invalid_email_for_invites", 400, "The organization's email_invites setting does not allow inviting this email address.");
    INVALID_EMAIL_FOR_JIT_PROVISIONING = e("invalid_email_for_jit_provisioning", 400, "This email address is not a member of the organization and its domain may not join it just in time.");
    INVALID_EMAIL_INVITES = e("invalid_email_invites", 400, "email_invites is not one of the accepted values.");
    INVALID_EMAIL_JIT_PROVISIONING = e("invalid_email_jit_provisioning", 400, "email_jit_provisioning is not one of the accepted values.");
    INVALID_FIXTURE = e("invalid_fixture", 400, "The fixture document is not valid; the message names the place.");
    INVALID_HASH_TYPE = e("invalid_hash_type", 400, "The password hash type is not supported.");
    INVALID_LIMIT = e("invalid_limit", 400, "limit must be between 1 and 1000.");
    INVALID_MFA_DEFAULT_METHOD = e("invalid_mfa_default_method", 400, "default_mfa_method is not one of the accepted values.");
    INVALID_OAUTH_TENANT_JIT_PROVISIONING = e("invalid_oauth_tenant_jit_provisioning", 400, "oauth_tenant_jit_provisioning is not one of the accepted values.");
    INVALID_ORGANIZATION_ALLOWED_AUTH_METHODS = e("invalid_organization_allowed_auth_methods", 400, "allowed_auth_methods names a method that is not one of the accepted values.");
    INVALID_ORGANIZATION_ALLOWED_MFA_METHODS = e("invalid_organization_allowed_mfa_methods", 400, "allowed_mfa_methods names a method that is not one of the accepted values.");
    INVALID_ORGANIZATION_AUTH_METHODS = e("invalid_organization_auth_methods", 400, "auth_methods is not one of the accepted values.");
    INVALID_ORGANIZATION_MFA_FACTOR_SETTING = e("invalid_organization_mfa_factor_setting", 400, "mfa_methods is not one of the accepted values.");
    INVALID_ORGANIZATION_MFA_POLICY = e("invalid_organization_mfa_policy", 400, "mfa_policy is not one of the accepted values.");
    INVALID_ORGANIZATION_NAME = e("invalid_organization_name", 400, "organization_name must be 1 to 128 characters.");
    INVALID_ORGANIZATION_SLUG = e("invalid_organization_slug", 400, "organization_slug must be 2 to 128 characters of letters, digits, '-', '.', '_' or '~'.");
    INVALID_PASSWORD_HASH = e("invalid_password_hash", 400, "The password hash could not be parsed.");
    INVALID_PHONE_NUMBER = e("invalid_phone_number", 400, "Phone number format is invalid. Use E.164, e.g. +14155551234.");
    INVALID_SEARCH_QUERY = e("invalid_search_query", 400, "The search query is not valid.");
    INVALID_SESSION_DURATION_MINUTES = e("invalid_session_duration_minutes", 400, "session_duration_minutes must be between 5 and 527040.");
    INVALID_SNAPSHOT = e("invalid_snapshot", 400, "The file is not a snapshot of this mock (schema, migrations or seed differ).");
    INVALID_SSO_JIT_PROVISIONING = e("invalid_sso_jit_provisioning", 400, "sso_jit_provisioning is not one of the accepted values.");
    MAGIC_LINK_NOT_FOUND = e("magic_link_not_found", 404, "The magic link could not be found.");
    MEMBER_ALREADY_ACTIVE = e("member_already_active", 400, "This member is already active in the organization.");
    MEMBER_NOT_FOUND = e("member_not_found", 404, "Member could not be found.");
    MEMBER_PASSWORD_NOT_FOUND = e("member_password_not_found", 404, "No password with that id.");
    MEMBER_PHONE_NUMBER_NOT_FOUND = e("member_phone_number_not_found", 404, "The member has no MFA phone number.");
    METHOD_NOT_ALLOWED = e("method_not_allowed", 405, "This route does not accept that HTTP method.");
    NO_PRIMARY_FACTOR = e("no_primary_factor", 400, "Nothing was proven: no primary factor to authenticate with.");
    NO_SESSION_ARGUMENTS = e("no_session_arguments", 400, "Provide one of intermediate_session_token, session_token or session_jwt.");
    NO_SESSION_REVOKE_ARGUMENTS = e("no_session_revoke_arguments", 400, "Provide one of member_session_id, session_token, session_jwt or member_id.");
    OAUTH_TOKEN_NOT_FOUND = e("oauth_token_not_found", 404, "The OAuth token could not be found.");
    OPERATION_RESTRICTED_BY_ORGANIZATION_MFA_METHODS = e("operation_restricted_by_organization_mfa_methods", 403, "The organization's mfa_methods setting does not allow this MFA method.");
    ORGANIZATION_EXTERNAL_ID_ALREADY_USED = e("organization_external_id_already_used", 400, "That organization_external_id is already used.");
    ORGANIZATION_NOT_FOUND = e("organization_not_found", 404, "Organization could not be found.");
    ORGANIZATION_SLUG_ALREADY_USED = e("organization_slug_already_used", 400, "That organization_slug is already used.");
    OTP_CODE_ATTEMPTS_EXCEEDED = e("otp_code_attempts_exceeded", 401, "Too many wrong attempts on this OTP code. Send a new one.");
    OTP_CODE_NOT_FOUND = e("otp_code_not_found", 404, "The OTP code is incorrect or could not be found.");
    PKCE_MISMATCH = e("pkce_mismatch", 400, "The PKCE code verifier does not match the code challenge the token was issued with.");
    PROJECT_NOT_FOUND = e("project_not_found", 404, "No project with that project_id.");
    RECOVERY_CODE_USED_AS_TOTP_CODE = e("recovery_code_used_as_totp_code", 400, "This looks like a recovery code. Use /v1/b2b/recovery_codes/recover for it.");
    RECOVERY_CODES_NOT_FOUND = e("recovery_codes_not_found", 404, "The member has no active TOTP registration, so no recovery codes.");
    REQUEST_TOO_LARGE = e("request_too_large", 413, "The request body is larger than the 1 MiB the mock accepts.");
    ROUTE_NOT_FOUND = e("route_not_found", 404, "No such route. Check the path and method.");
    SESSION_AUTHORIZATION_ERROR = e("session_authorization_error", 403, "The session given does not belong to this member_id and organization.");
    SESSION_ENFORCED_FACTOR_MATCHING_SESSION_REQUIRED = e("session_enforced_factor_matching_session_required", 403, "The member already has an MFA factor. To enroll another one, pass a session holding it.");
    SESSION_NOT_FOUND = e("session_not_found", 404, "Session could not be found, has expired or was revoked.");
    SESSION_TOO_OLD_TO_RESET_PASSWORD = e("session_too_old_to_reset_password", 400, "The session must hold a factor authenticated in the last 5 minutes to reset the password.");
    SSO_JIT_PROVISIONING_NOT_ALLOWED = e("sso_jit_provisioning_not_allowed", 403, "This email address is not a member of the organization and sso_jit_provisioning does not allow it to join.");
    SSO_TOKEN_NOT_FOUND = e("sso_token_not_found", 404, "The SSO token could not be found.");
    TOO_MANY_REQUESTS = e("too_many_requests", 429, "Too many requests have been made. Please slow down and try again later.");
    TOO_MANY_SESSION_ARGUMENTS = e("too_many_session_arguments", 400, "Provide only one of intermediate_session_token, session_token or session_jwt.");
    TOO_MANY_SESSION_REVOKE_ARGUMENTS = e("too_many_session_revoke_arguments", 400, "Provide only one of member_session_id, session_token, session_jwt or member_id.");
    TOTP_CODE_ALREADY_AUTHENTICATED = e("totp_code_already_authenticated", 401, "This TOTP code was already used. Wait for the next code.");
    TOTP_CODE_USED_AS_RECOVERY_CODE = e("totp_code_used_as_recovery_code", 400, "This looks like a TOTP code. Use /v1/b2b/totp/authenticate for it.");
    TOTP_NOT_FOUND = e("totp_not_found", 404, "The member has no TOTP registration.");
    UNABLE_TO_AUTH_MAGIC_LINK = e("unable_to_auth_magic_link", 401, "The magic link could not be authenticated: it was already used or has expired.");
    UNABLE_TO_AUTH_OAUTH_TOKEN = e("unable_to_auth_oauth_token", 401, "The OAuth token could not be authenticated: it was already used or has expired.");
    UNABLE_TO_AUTH_OTP_CODE = e("unable_to_auth_otp_code", 401, "The OTP code has expired or was already used. Send a new one.");
    UNABLE_TO_AUTH_SSO_TOKEN = e("unable_to_auth_sso_token", 401, "The SSO token could not be authenticated: it was already used or has expired.");
    UNABLE_TO_AUTHENTICATE_RECOVERY_CODE = e("unable_to_authenticate_recovery_code", 401, "The recovery code is incorrect or was already used.");
    UNABLE_TO_AUTHENTICATE_TOTP = e("unable_to_authenticate_totp", 401, "The TOTP code is incorrect or has expired.");
    UNAUTHORIZED_ACTION = e("unauthorized_action", 403, "The member's roles do not grant that action on that resource.");
    UNAUTHORIZED_CREDENTIALS = e("unauthorized_credentials", 401, "Unauthorized credentials.");
    USER_LOCK_LIMIT_REACHED = e("user_lock_limit_reached", 429, "The member has been locked out due to too many failed authentication attempts. Please try again later.");
    WEAK_PASSWORD = e("weak_password", 400, "The password is too weak.");
}

/// The entry for `error_type`, if the mock emits it.
pub fn lookup(error_type: &str) -> Option<&'static Entry> {
    CATALOG.iter().find(|e| e.error_type == error_type)
}

/// `429 too_many_requests`, the answer of a fault rule's `too_many_requests` action.
pub fn too_many_requests() -> &'static Entry {
    &TOO_MANY_REQUESTS
}

#[cfg(test)]
#[path = "catalog_scan.rs"]
mod scan;
