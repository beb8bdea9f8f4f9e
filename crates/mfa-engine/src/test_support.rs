//! Stytch responses built from JSON for unit tests, so routing and transitions are tested
//! without HTTP. Only compiled for tests.

use serde_json::{Value, json};
use stytch_client::api::MfaAuthenticateResponse;
use stytch_client::api::recovery_codes::RecoverResponse;
use stytch_client::wire::PrimaryAuthResponse;

fn merge(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    base
}

pub(crate) fn member(extra: Value) -> Value {
    merge(
        json!({"organization_id":"org-1","member_id":"mem-1","email_address":"a@example.com",
            "status":"active","mfa_phone_number":"","mfa_phone_number_verified":false,
            "totp_registration_id":"","default_mfa_method":"","is_breakglass":false}),
        extra,
    )
}

pub(crate) fn organization(extra: Value) -> Value {
    merge(
        json!({"organization_id":"org-1","mfa_policy":"REQUIRED_FOR_ALL",
            "mfa_methods":"ALL_ALLOWED","allowed_mfa_methods":[]}),
        extra,
    )
}

/// A primary-auth response while MFA is pending (IST `ist-1`, expiring at 00:10 on 2030-01-01).
pub(crate) fn pending(org: Value, member_extra: Value, mfa_required: Value) -> PrimaryAuthResponse {
    serde_json::from_value(
        json!({"status_code":200,"request_id":"r","member_id":"mem-1",
        "organization_id":"org-1","member":member(member_extra),"organization":organization(org),
        "member_authenticated":false,"session_token":"","session_jwt":"",
        "intermediate_session_token":"ist-1",
        "intermediate_session_token_expires_at":"2030-01-01T00:10:00Z",
        "mfa_required":mfa_required}),
    )
    .expect("valid pending response")
}

/// A primary-auth response with a full session (`mfa_required: null`).
pub(crate) fn authenticated() -> PrimaryAuthResponse {
    serde_json::from_value(
        json!({"status_code":200,"request_id":"r","member_id":"mem-1",
        "organization_id":"org-1","member":member(json!({})),
        "organization":organization(json!({"mfa_policy":"OPTIONAL"})),
        "member_authenticated":true,"session_token":"st-1","session_jwt":"jwt-1",
        "intermediate_session_token":"","mfa_required":null,
        "member_session":{"member_session_id":"ms-1","member_id":"mem-1","organization_id":"org-1",
            "expires_at":"2030-01-01T01:00:00Z","authentication_factors":[]}}),
    )
    .expect("valid authenticated response")
}

/// A successful SMS/TOTP authenticate response for `member_id` in org-1.
pub(crate) fn mfa_ok(member_id: &str) -> MfaAuthenticateResponse {
    serde_json::from_value(json!({"status_code":200,"request_id":"r","member_id":member_id,
        "member":member(json!({"member_id":member_id})),"organization":organization(json!({})),
        "session_token":"st-2","session_jwt":"jwt-2",
        "member_session":{"member_session_id":"ms-2","member_id":member_id,"organization_id":"org-1",
            "expires_at":"2030-01-01T01:00:00Z","authentication_factors":[]}}))
    .expect("valid mfa response")
}

/// A successful recovery-code response for `member_id` in org-1 (same JSON as [`mfa_ok`]).
pub(crate) fn recover_ok(member_id: &str) -> RecoverResponse {
    serde_json::from_value(json!({"status_code":200,"request_id":"r","member_id":member_id,
        "member":member(json!({"member_id":member_id})),"organization":organization(json!({})),
        "session_token":"st-3","session_jwt":"jwt-3","recovery_codes_remaining":9,
        "member_session":{"member_session_id":"ms-3","member_id":member_id,"organization_id":"org-1",
            "expires_at":"2030-01-01T01:00:00Z","authentication_factors":[]}}))
    .expect("valid recover response")
}

/// 2030-01-01T00:00:00Z — before the IST expiry used above.
pub(crate) fn t0() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(1_893_456_000, 0).expect("valid instant")
}
