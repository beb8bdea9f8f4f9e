//! Request bodies for the request log (`/_mock/requests`, field `body`), and the JSON answers
//! it keeps for `/_mock/requests.har`, with every value that could be a secret replaced by
//! `"[redacted]"`.
//!
//! An allow-list, not a deny-list: a scalar survives only under a key named in [`KEEP`]
//! (identifiers, email addresses, phone numbers, policies, method names, redirect URLs,
//! durations). Objects and arrays keep their shape and are walked with the same rule, so a new
//! secret field Stytch adds tomorrow is redacted without anyone remembering to. Bodies that are
//! not JSON are one `"[redacted]"`; big ones are `"[omitted: too large]"`, so the log's memory
//! stays bounded (entries × [`MAX_LOGGED_BYTES`]). Nothing here may log or return a raw body.

use serde_json::{Map, Value};

pub const REDACTED: &str = "[redacted]";
pub const TOO_LARGE: &str = "[omitted: too large]";
/// Bodies longer than this are not parsed for the log at all.
pub const MAX_PARSED_BYTES: usize = 64 * 1024;
/// A redacted body whose JSON is longer than this is replaced by [`TOO_LARGE`].
pub const MAX_LOGGED_BYTES: usize = 8 * 1024;
/// Nesting kept before a subtree is redacted whole.
const MAX_DEPTH: usize = 8;

/// Keys whose scalar values are not secrets (and are what a recorded scenario needs).
pub const KEEP: &[&str] = &[
    // who and where
    "organization_id",
    "organization_ids",
    "organization_slug",
    "organization_name",
    "organization_external_id",
    "member_id",
    "external_id",
    "member_session_id",
    "email_address",
    "name",
    "roles",
    "invited_by_member_id",
    "connection_id",
    "provider",
    "is_breakglass",
    "create_member_as_pending",
    // MFA: phones, policies, methods, enrollment switches
    "mfa_phone_number",
    "phone_number",
    "mfa_policy",
    "mfa_methods",
    "allowed_mfa_methods",
    "mfa_enrolled",
    "default_mfa_method",
    "set_mfa_enrollment",
    "set_default_mfa",
    "set_phone_number_verified",
    // primary authentication settings of an organization
    "auth_methods",
    "allowed_auth_methods",
    "email_allowed_domains",
    "email_jit_provisioning",
    "email_invites",
    "sso_jit_provisioning",
    "oauth_tenant_jit_provisioning",
    "hash_type",
    // redirects, templates, locale, lifetimes
    "login_redirect_url",
    "signup_redirect_url",
    "invite_redirect_url",
    "reset_password_redirect_url",
    "discovery_redirect_url",
    "login_template_id",
    "signup_template_id",
    "invite_template_id",
    "reset_password_template_id",
    "verify_email_template_id",
    "locale",
    "session_duration_minutes",
    "login_expiration_minutes",
    "signup_expiration_minutes",
    "invite_expiration_minutes",
    "reset_password_expiration_minutes",
    "discovery_expiration_minutes",
    "expiration_minutes",
    "preserve_existing_sessions",
    // search and the control API
    "query",
    "operator",
    "operands",
    "filter_name",
    "filter_value",
    "limit",
    "advance_seconds",
    "now",
    // answers (kept for the HAR): envelope, errors, and the member state a recorder reads
    "status_code",
    "request_id",
    "error_type",
    "error_message",
    "error_url",
    "mfa_phone_number_verified",
    "totp_registration_id",
    "member_authenticated",
    "secondary_auth_initiated",
];

/// The request log's view of a body: `None` when there was none.
pub fn body_for_log(bytes: &[u8]) -> Option<Value> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    if bytes.len() > MAX_PARSED_BYTES {
        return Some(Value::from(TOO_LARGE));
    }
    let Ok(value) = serde_json::from_slice::<Value>(bytes) else {
        return Some(Value::from(REDACTED));
    };
    Some(bounded(walk(&value, false, 0)))
}

/// The request log's view of a JSON answer (an object): the same allow-list and size bound as
/// [`body_for_log`].
pub fn answer_for_log(answer: &Map<String, Value>) -> Value {
    bounded(walk_object(answer, 0))
}

fn bounded(redacted: Value) -> Value {
    let size = serde_json::to_vec(&redacted)
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    if size > MAX_LOGGED_BYTES {
        Value::from(TOO_LARGE)
    } else {
        redacted
    }
}

fn walk_object(map: &Map<String, Value>, depth: usize) -> Value {
    let mut out = Map::with_capacity(map.len());
    for (k, v) in map {
        out.insert(k.clone(), walk(v, KEEP.contains(&k.as_str()), depth + 1));
    }
    Value::Object(out)
}

/// `keep`: whether scalars at this level sit under an allowed key.
fn walk(value: &Value, keep: bool, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::from(REDACTED);
    }
    match value {
        Value::Object(map) => walk_object(map, depth),
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| walk(v, keep, depth + 1)).collect())
        }
        Value::Null => Value::Null,
        scalar if keep => scalar.clone(),
        _ => Value::from(REDACTED),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn secrets_are_redacted_and_identifiers_kept() {
        let body = json!({
            "organization_id": "organization-test-1", "member_id": "member-test-1", "code": "123456",
            "intermediate_session_token": "ist", "session_token": "tok", "session_jwt": "a.b.c",
            "password": "hunter2", "mfa_phone_number": "+14155552671", "set_default_mfa": true,
            "session_custom_claims": {"team": "x", "email_address": "a@b.c"}, "recovery_code": 123,
            "allowed_mfa_methods": ["totp"], "new_field_from_the_future": "s3cret", "locale": null,
        });
        let got = body_for_log(body.to_string().as_bytes()).unwrap();
        assert_eq!(
            got,
            json!({
                "organization_id": "organization-test-1", "member_id": "member-test-1", "code": REDACTED,
                "intermediate_session_token": REDACTED, "session_token": REDACTED, "session_jwt": REDACTED,
                "password": REDACTED, "mfa_phone_number": "+14155552671", "set_default_mfa": true,
                "session_custom_claims": {"team": REDACTED, "email_address": "a@b.c"}, "recovery_code": REDACTED,
                "allowed_mfa_methods": ["totp"], "new_field_from_the_future": REDACTED, "locale": null,
            })
        );
    }

    #[test]
    fn odd_bodies_are_bounded() {
        assert_eq!(body_for_log(b""), None);
        assert_eq!(
            body_for_log(b"minutes=1&code=123456"),
            Some(Value::from(REDACTED))
        );
        assert_eq!(
            body_for_log(b"[\"tok\", 1]"),
            Some(json!([REDACTED, REDACTED]))
        );
        let big = json!({"email_address": "a".repeat(MAX_LOGGED_BYTES)}).to_string();
        assert_eq!(body_for_log(big.as_bytes()), Some(Value::from(TOO_LARGE)));
        assert_eq!(body_for_log(&[b' '; 10]), None);
        assert_eq!(
            body_for_log(&vec![b'{'; MAX_PARSED_BYTES + 1]),
            Some(Value::from(TOO_LARGE))
        );
        let deep = format!("{}1{}", "{\"query\":".repeat(20), "}".repeat(20));
        let got = body_for_log(deep.as_bytes()).unwrap().to_string();
        assert!(got.contains(REDACTED) && !got.contains(":1"), "{got}");
    }
}
