//! Request bodies and response parsing checked against CONTRACT.md's shapes, without HTTP.

use serde_json::{Value, json};

use crate::api::SetMfaEnrollment;
use crate::api::magic_links::MagicLinkAuthenticateRequest;
use crate::api::otp_sms::{MfaAuthenticateRequest, SmsSendRequest};
use crate::api::sessions::RevokeTarget;
use crate::secret::{ExposeSecretStr, SessionAuth};
use crate::wire::{MfaMethod, MfaMethods, MfaPolicy, PrimaryAuthResponse, SecondaryAuth};

fn body<T: serde::Serialize>(t: &T) -> Value {
    serde_json::to_value(t).unwrap()
}

#[test]
fn mfa_authenticate_body_has_exactly_one_session_key_and_no_nulls() {
    let mut req = MfaAuthenticateRequest::new(
        "org-1",
        "mem-1",
        "123456",
        SessionAuth::Intermediate("ist".into()),
    );
    req.set_mfa_enrollment = Some(SetMfaEnrollment::Enroll);
    assert_eq!(
        body(&req),
        json!({"organization_id":"org-1","member_id":"mem-1","code":"123456",
               "intermediate_session_token":"ist","set_mfa_enrollment":"enroll"})
    );
}

#[test]
fn optional_flattened_session_is_omitted_when_absent() {
    let req = SmsSendRequest::new("org-1", "mem-1");
    assert_eq!(
        body(&req),
        json!({"organization_id":"org-1","member_id":"mem-1"})
    );
    let req = MagicLinkAuthenticateRequest::new("tok");
    assert_eq!(body(&req), json!({"magic_links_token":"tok"}));
}

#[test]
fn revoke_target_is_one_key() {
    assert_eq!(
        body(&RevokeTarget::MemberId("m".into())),
        json!({"member_id":"m"})
    );
    assert_eq!(
        body(&RevokeTarget::Session(SessionAuth::Token("t".into()))),
        json!({"session_token":"t"})
    );
}

fn member(extra: Value) -> Value {
    let mut m = json!({
        "organization_id":"org-1","member_id":"mem-1","email_address":"a@example.com",
        "status":"active","name":"","mfa_enrolled":false,"mfa_phone_number":"",
        "mfa_phone_number_verified":false,"totp_registration_id":"","default_mfa_method":"",
        "is_breakglass":false,"member_password_id":"","roles":[]
    });
    m.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    m
}

fn organization() -> Value {
    json!({"organization_id":"org-1","organization_name":"Acme","organization_slug":"acme",
           "mfa_policy":"REQUIRED_FOR_ALL","mfa_methods":"RESTRICTED","allowed_mfa_methods":["totp"],
           "auth_methods":"ALL_ALLOWED","allowed_auth_methods":[]})
}

#[test]
fn primary_auth_pending_mfa_turns_empty_strings_into_none() {
    let raw = json!({
        "status_code":200,"request_id":"request-id-test-1","member_id":"mem-1","organization_id":"org-1",
        "member": member(json!({"mfa_phone_number":"+14155550100","mfa_phone_number_verified":true,"default_mfa_method":"sms_otp"})),
        "organization": organization(),
        "session_token":"","session_jwt":"","member_session":null,
        "intermediate_session_token":"ist-abc","intermediate_session_token_expires_at":"2026-01-01T00:10:00Z",
        "member_authenticated":false,
        "mfa_required":{"member_options":{"mfa_phone_number":"+14155550100","totp_registration_id":""},
                        "secondary_auth_initiated":"sms_otp"},
        "primary_required":null,"method_id":"member-email-test-1"
    });
    let r: PrimaryAuthResponse = serde_json::from_value(raw).unwrap();
    assert!(r.session_token.is_none() && r.session_jwt.is_none());
    assert_eq!(
        r.intermediate_session_token
            .as_ref()
            .map(|t| t.expose_secret()),
        Some("ist-abc")
    );
    assert_eq!(
        r.intermediate_session_token_expires_at
            .unwrap()
            .to_rfc3339(),
        "2026-01-01T00:10:00+00:00"
    );
    let mfa = r.mfa_required.unwrap();
    assert_eq!(mfa.secondary_auth_initiated, Some(SecondaryAuth::SmsOtp));
    let opts = mfa.member_options.unwrap();
    assert_eq!(opts.mfa_phone_number.as_deref(), Some("+14155550100"));
    assert_eq!(opts.totp_registration_id, None);
    assert_eq!(r.member.default_mfa_method, Some(MfaMethod::SmsOtp));
    assert_eq!(r.organization.mfa_policy, MfaPolicy::RequiredForAll);
    assert_eq!(r.organization.mfa_methods, MfaMethods::Restricted);
    assert_eq!(r.organization.allowed_mfa_methods, vec![MfaMethod::Totp]);
}

#[test]
fn primary_auth_without_organization_id_falls_back_to_the_organization() {
    let raw = json!({
        "status_code":200,"request_id":"r","member_id":"mem-1","member":member(json!({})),
        "organization":organization(),"member_authenticated":true,"session_token":"st","session_jwt":"jwt",
        "intermediate_session_token":"","mfa_required":null,
        "member_session":{"member_session_id":"ms-1","member_id":"mem-1","organization_id":"org-1",
            "started_at":"2026-01-01T00:00:00Z","last_accessed_at":"2026-01-01T00:00:00Z",
            "expires_at":"2026-01-01T01:00:00Z","roles":["stytch_member"],"organization_slug":"acme",
            "authentication_factors":[{"type":"magic_link","delivery_method":"email",
                "email_factor":{"email_id":"e","email_address":"a@example.com"}}]}
    });
    let r: PrimaryAuthResponse = serde_json::from_value(raw).unwrap();
    assert_eq!(r.organization_id(), "org-1");
    assert!(r.intermediate_session_token.is_none());
    let s = r.member_session.unwrap();
    assert_eq!(s.authentication_factors[0].factor_type, "magic_link");
    assert!(s.expires_at.is_some());
}

#[test]
fn unknown_enum_values_do_not_break_parsing() {
    let mut org = organization();
    org["mfa_policy"] = json!("SOMETHING_NEW");
    org["allowed_mfa_methods"] = json!(["sms_otp", "webauthn"]);
    let o: crate::wire::Organization = serde_json::from_value(org).unwrap();
    assert_eq!(o.mfa_policy, MfaPolicy::Unknown);
    assert_eq!(
        o.allowed_mfa_methods,
        vec![MfaMethod::SmsOtp, MfaMethod::Other]
    );
}

/// Exact bytes of every session-minting request with each session option set: the field order
/// Stytch receives is pinned, so a refactor of the structs cannot change the wire.
#[test]
fn session_minting_bodies_are_byte_exact() {
    use crate::api::passwords::{
        ExistingPasswordResetRequest, PasswordAuthenticateRequest, PasswordEmailResetRequest,
    };
    use crate::api::recovery_codes::RecoverRequest;
    use crate::api::sessions::{SessionAuthenticateRequest, SessionExchangeRequest};
    use crate::api::sso_oauth::{OauthAuthenticateRequest, SsoAuthenticateRequest};
    let bytes = |v: &dyn erased::Body| v.to_json();
    let token = || Some(SessionAuth::Token("st".into()));

    let mut ml = MagicLinkAuthenticateRequest::new("mlt");
    ml.pkce_code_verifier = Some("pk".into());
    ml.session = token();
    ml.intermediate_session_token = Some("ist".into());
    ml.session_options.session_duration_minutes = Some(30);
    ml.locale = Some("en".into());
    assert_eq!(
        bytes(&ml),
        r#"{"magic_links_token":"mlt","pkce_code_verifier":"pk","session_token":"st","intermediate_session_token":"ist","session_duration_minutes":30,"locale":"en"}"#
    );

    let mut pw = PasswordAuthenticateRequest::new("org-1", "a@example.com", "pw");
    pw.session = token();
    pw.intermediate_session_token = Some("ist".into());
    pw.session_options.session_duration_minutes = Some(30);
    pw.locale = Some("en".into());
    assert_eq!(
        bytes(&pw),
        r#"{"organization_id":"org-1","email_address":"a@example.com","password":"pw","session_token":"st","intermediate_session_token":"ist","session_duration_minutes":30,"locale":"en"}"#
    );

    let mut reset = PasswordEmailResetRequest::new("prt", "pw");
    reset.session = token();
    reset.intermediate_session_token = Some("ist".into());
    reset.session_options.session_duration_minutes = Some(30);
    reset.code_verifier = Some("cv".into());
    reset.locale = Some("en".into());
    assert_eq!(
        bytes(&reset),
        r#"{"password_reset_token":"prt","password":"pw","session_token":"st","intermediate_session_token":"ist","session_duration_minutes":30,"code_verifier":"cv","locale":"en"}"#
    );

    let mut existing = ExistingPasswordResetRequest::new("org-1", "a@example.com", "old", "new");
    existing.session = Some(SessionAuth::Jwt("jwt".into()));
    existing.session_options.session_duration_minutes = Some(30);
    existing.locale = Some("en".into());
    assert_eq!(
        bytes(&existing),
        r#"{"organization_id":"org-1","email_address":"a@example.com","existing_password":"old","new_password":"new","session_jwt":"jwt","session_duration_minutes":30,"locale":"en"}"#
    );

    let mut sso = SsoAuthenticateRequest::new("sso");
    sso.pkce_code_verifier = Some("pk".into());
    sso.session = token();
    sso.intermediate_session_token = Some("ist".into());
    sso.session_options.session_duration_minutes = Some(30);
    sso.locale = Some("en".into());
    assert_eq!(
        bytes(&sso),
        r#"{"sso_token":"sso","pkce_code_verifier":"pk","session_token":"st","intermediate_session_token":"ist","session_duration_minutes":30,"locale":"en"}"#
    );

    let mut oauth = OauthAuthenticateRequest::new("oa");
    oauth.session = token();
    oauth.session_options.session_duration_minutes = Some(30);
    assert_eq!(
        bytes(&oauth),
        r#"{"oauth_token":"oa","session_token":"st","session_duration_minutes":30}"#
    );

    let mut mfa = MfaAuthenticateRequest::new(
        "org-1",
        "mem-1",
        "123456",
        SessionAuth::Intermediate("ist".into()),
    );
    mfa.session_options.session_duration_minutes = Some(30);
    mfa.set_mfa_enrollment = Some(SetMfaEnrollment::Enroll);
    mfa.set_default_mfa = Some(true);
    assert_eq!(
        bytes(&mfa),
        r#"{"organization_id":"org-1","member_id":"mem-1","code":"123456","intermediate_session_token":"ist","session_duration_minutes":30,"set_mfa_enrollment":"enroll","set_default_mfa":true}"#
    );

    let mut recover = RecoverRequest::new("org-1", "mem-1", "rc", SessionAuth::Token("st".into()));
    recover.session_options.session_duration_minutes = Some(30);
    assert_eq!(
        bytes(&recover),
        r#"{"organization_id":"org-1","member_id":"mem-1","recovery_code":"rc","session_token":"st","session_duration_minutes":30}"#
    );

    let mut auth = SessionAuthenticateRequest::new(SessionAuth::Jwt("jwt".into()));
    auth.session_options.session_duration_minutes = Some(30);
    assert_eq!(
        bytes(&auth),
        r#"{"session_jwt":"jwt","session_duration_minutes":30}"#
    );

    let mut exchange = SessionExchangeRequest::new("org-2", SessionAuth::Token("st".into()));
    exchange.session_options.session_duration_minutes = Some(30);
    exchange.locale = Some("en".into());
    assert_eq!(
        bytes(&exchange),
        r#"{"organization_id":"org-2","session_token":"st","session_duration_minutes":30,"locale":"en"}"#
    );
    // Unset options are omitted, not sent as null.
    assert_eq!(
        bytes(&SessionAuthenticateRequest::new(SessionAuth::Token(
            "st".into()
        ))),
        r#"{"session_token":"st"}"#
    );
}

#[test]
fn custom_claims_follow_the_duration_in_every_session_minting_body() {
    let mut req =
        MfaAuthenticateRequest::new("org-1", "mem-1", "1", SessionAuth::Token("st".into()));
    req.session_options.session_duration_minutes = Some(5);
    let claims = json!({"tenant": "acme", "tier": 2});
    req.session_options.session_custom_claims = claims.as_object().cloned();
    assert_eq!(
        serde_json::to_string(&req).unwrap(),
        r#"{"organization_id":"org-1","member_id":"mem-1","code":"1","session_token":"st","session_duration_minutes":5,"session_custom_claims":{"tenant":"acme","tier":2}}"#
    );
}

/// `&dyn` over the request types, so the byte test above reads as a table.
mod erased {
    pub trait Body {
        fn to_json(&self) -> String;
    }
    impl<T: serde::Serialize> Body for T {
        fn to_json(&self) -> String {
            serde_json::to_string(self).unwrap()
        }
    }
}
