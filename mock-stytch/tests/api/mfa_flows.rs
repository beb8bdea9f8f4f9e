//! The seed MFA flows end to end over HTTP: required enrollment by SMS and by TOTP, returning
//! challenges by SMS (auto-initiated) and by TOTP, recovery-code login, optional enrollment with
//! a session, adding a second method with `set_default_mfa`, and step-up without enrollment.
//!
//! The step under test always starts from a real primary authentication over HTTP (magic link,
//! [`magic_link_login`]); earlier enrollments a flow presupposes use the shorter helpers.

use serde_json::json;

use crate::helpers::spawn_frozen;
use crate::mfa_helpers::*;
use crate::schema::assert_valid;

#[tokio::test]
async fn required_enrollment_by_sms() {
    // Arrange: REQUIRED_FOR_ALL org, member without any factor, holding a primary IST
    let mock = spawn_frozen().await;
    let (org, m) = required_org_and_member(&mock).await;
    let login = magic_link_login(&mock, &org, &m, json!({})).await;
    let ist = pending_ist(&login);
    assert_eq!(
        login["mfa_required"]["member_options"],
        json!(null),
        "no factor yet: the member must enroll"
    );

    // Act 1: send to a new phone with the IST
    let sent = mock
        .ok_mfa("/v1/b2b/otps/sms/send", body(&org, &m, json!({"mfa_phone_number": PHONE, "intermediate_session_token": ist, "locale": "en"})))
        .await;

    // Assert 1: the phone is attached, unverified; one SMS carries a 6-digit code
    assert_valid("otp_sms.SendResponse", &sent);
    assert_eq!(sent["member"]["mfa_phone_number"], PHONE);
    assert_eq!(sent["member"]["mfa_phone_number_verified"], false);
    let msgs = mock.outbox(&format!("member_id={m}&channel=sms")).await;
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0]["to"], PHONE);
    let code = msgs[0]["code"].as_str().unwrap().to_owned();
    assert!(
        code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
        "{code}"
    );

    // Act 2: authenticate with the code and the IST
    let resp = mock
        .post(
            "/v1/b2b/otps/sms/authenticate",
            body(
                &org,
                &m,
                json!({"code": code, "intermediate_session_token": ist}),
            ),
        )
        .await;

    // Assert 2: a session with the primary factor plus the SMS factor; member side effects
    let done = assert_mfa_session(
        &resp,
        "otp_sms.AuthenticateResponse",
        &["magic_link", "otp"],
    );
    let sms_factor = &done["member_session"]["authentication_factors"][1];
    assert_eq!(sms_factor["delivery_method"], "sms");
    assert_eq!(sms_factor["phone_number_factor"]["phone_number"], PHONE);
    assert_eq!(done["member"]["mfa_phone_number_verified"], true);
    assert_eq!(
        done["member"]["mfa_enrolled"], true,
        "REQUIRED_FOR_ALL enrolls on first MFA"
    );
    assert_eq!(
        done["member"]["default_mfa_method"], "sms_otp",
        "first MFA sets the default"
    );
    let token = done["session_token"].as_str().unwrap();
    assert_eq!(
        stored_session_factor_types(&mock, token).await,
        ["magic_link", "otp"]
    );
    let claims = mock.server.state.signing.get().await.unwrap().verify(
        done["session_jwt"].as_str().unwrap(),
        &mock.server.state.config.project_id,
    );
    assert!(claims.is_some(), "the JWT verifies against the mock's key");
    // the IST is spent
    assert_refused(
        &mock,
        "/v1/b2b/otps/sms/authenticate",
        (&org, &m),
        json!({"code": code, "intermediate_session_token": ist}),
        404,
        "intermediate_session_not_found",
    )
    .await;
}

#[tokio::test]
async fn required_enrollment_by_totp() {
    // Arrange
    let mock = spawn_frozen().await;
    let (org, m, ist) = required_login(&mock).await;

    // Act 1: create a registration with the IST
    let created = mock
        .ok_mfa(
            "/v1/b2b/totp",
            body(&org, &m, json!({"intermediate_session_token": ist})),
        )
        .await;

    // Assert 1: secret, QR of the otpauth URI, recovery codes; still pending
    assert_valid("totps.CreateResponse", &created);
    let secret = created["secret"].as_str().unwrap();
    assert_eq!(secret.len(), 32);
    assert!(
        secret
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)),
        "{secret}"
    );
    let qr = created["qr_code"].as_str().unwrap();
    assert!(
        qr.starts_with("data:image/png;base64,") && !qr.contains(", "),
        "no space after the comma"
    );
    let codes: Vec<&str> = created["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 10);
    assert_eq!(
        created["member"]["totp_registration_id"], "",
        "a pending registration is not shown on the member"
    );
    let reg_id = created["totp_registration_id"].as_str().unwrap();
    assert!(reg_id.starts_with("member-totp-test-"), "{reg_id}");
    let meanwhile = magic_link_login(&mock, &org, &m, json!({})).await;
    assert_eq!(
        meanwhile["mfa_required"]["member_options"],
        json!(null),
        "a pending TOTP is no MFA option yet"
    );

    // Act 2: authenticate with the current code and the IST
    let code = code_for(secret, now(&mock));
    let resp = mock
        .post(
            "/v1/b2b/totp/authenticate",
            body(
                &org,
                &m,
                json!({"code": code, "intermediate_session_token": ist}),
            ),
        )
        .await;

    // Assert 2
    let done = assert_mfa_session(&resp, "totps.AuthenticateResponse", &["magic_link", "totp"]);
    let f = &done["member_session"]["authentication_factors"][1];
    assert_eq!(f["delivery_method"], "authenticator_app");
    assert_eq!(f["authenticator_app_factor"]["totp_id"], reg_id);
    assert_eq!(
        done["member"]["totp_registration_id"], reg_id,
        "the first authenticate activates the registration"
    );
    assert_eq!(done["member"]["mfa_enrolled"], true);
    assert_eq!(done["member"]["default_mfa_method"], "totp");
    let listed = mock
        .ok_get(&format!("/v1/b2b/recovery_codes/{org}/{m}"))
        .await;
    assert_valid("recovery_codes.GetResponse", &listed);
    assert_eq!(listed["recovery_codes"], created["recovery_codes"]);
}

#[tokio::test]
async fn returning_challenge_by_sms_auto_initiated() {
    // Arrange: an enrolled member comes back; primary auth auto-sends an SMS
    let mock = spawn_frozen().await;
    let (org, m) = required_org_and_member(&mock).await;
    enroll_sms(&mock, &org, &m).await;
    let login = magic_link_login(&mock, &org, &m, json!({})).await;
    let ist = pending_ist(&login);
    assert_eq!(login["mfa_required"]["secondary_auth_initiated"], "sms_otp");
    assert_eq!(
        login["mfa_required"]["member_options"],
        json!({"mfa_phone_number": PHONE, "totp_registration_id": ""})
    );
    let code = last_sms_code(&mock, &m).await;

    // Act
    let resp = mock
        .post(
            "/v1/b2b/otps/sms/authenticate",
            body(
                &org,
                &m,
                json!({"code": code, "intermediate_session_token": ist}),
            ),
        )
        .await;

    // Assert
    assert_mfa_session(
        &resp,
        "otp_sms.AuthenticateResponse",
        &["magic_link", "otp"],
    );

    // A resend (challenge to the verified phone) needs no MFA'd token and kills the old code.
    let ist = pending_ist(&magic_link_login(&mock, &org, &m, json!({})).await);
    let first = last_sms_code(&mock, &m).await;
    mock.ok_mfa(
        "/v1/b2b/otps/sms/send",
        body(&org, &m, json!({"intermediate_session_token": ist})),
    )
    .await;
    let second = last_sms_code(&mock, &m).await;
    assert_ne!(first, second);
    assert_refused(
        &mock,
        "/v1/b2b/otps/sms/authenticate",
        (&org, &m),
        json!({"code": first, "intermediate_session_token": ist}),
        404,
        "otp_code_not_found",
    )
    .await;
    let resp = mock
        .post(
            "/v1/b2b/otps/sms/authenticate",
            body(
                &org,
                &m,
                json!({"code": second, "intermediate_session_token": ist}),
            ),
        )
        .await;
    assert_mfa_session(
        &resp,
        "otp_sms.AuthenticateResponse",
        &["magic_link", "otp"],
    );
}

#[tokio::test]
async fn returning_challenge_by_totp() {
    // Arrange
    let mock = spawn_frozen().await;
    let (org, m) = required_org_and_member(&mock).await;
    let (created, _) = enroll_totp(&mock, &org, &m).await;
    mock.advance_clock(30).await; // next step: a fresh code
    let login = magic_link_login(&mock, &org, &m, json!({})).await;
    let ist = pending_ist(&login);
    assert_eq!(
        login["mfa_required"]["secondary_auth_initiated"],
        json!(null),
        "nothing to auto-send"
    );
    assert_eq!(
        login["mfa_required"]["member_options"]["totp_registration_id"],
        created["totp_registration_id"]
    );

    // Act: the code the helper reports is the one an authenticator shows
    let code = totp_code(&mock, &org, &m).await;
    assert_eq!(
        code,
        code_for(created["secret"].as_str().unwrap(), now(&mock))
    );
    let resp = mock
        .post("/v1/b2b/totp/authenticate", body(&org, &m, json!({"code": code, "intermediate_session_token": ist, "session_duration_minutes": 30})))
        .await;

    // Assert
    let done = assert_mfa_session(&resp, "totps.AuthenticateResponse", &["magic_link", "totp"]);
    assert_eq!(
        done["member_session"]["expires_at"], "2030-01-01T00:30:30Z",
        "session_duration_minutes is honoured"
    );
}

#[tokio::test]
async fn recovery_code_login() {
    // Arrange: TOTP enrolled; the member lost the phone
    let mock = spawn_frozen().await;
    let (org, m) = required_org_and_member(&mock).await;
    let (created, _) = enroll_totp(&mock, &org, &m).await;
    let codes: Vec<String> = created["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    let ist = pending_ist(&magic_link_login(&mock, &org, &m, json!({})).await);

    // Act
    let resp = mock
        .post(
            "/v1/b2b/recovery_codes/recover",
            body(
                &org,
                &m,
                json!({"recovery_code": codes[0], "intermediate_session_token": ist}),
            ),
        )
        .await;

    // Assert
    let done = assert_mfa_session(
        &resp,
        "recovery_codes.RecoverResponse",
        &["magic_link", "recovery_codes"],
    );
    assert_eq!(done["recovery_codes_remaining"], 9);
    let f = &done["member_session"]["authentication_factors"][1];
    assert_eq!(f["delivery_method"], "recovery_code");
    assert!(
        f["recovery_code_factor"]["totp_recovery_code_id"]
            .as_str()
            .unwrap()
            .starts_with("member-totp-recovery-code-test-")
    );
    // single use
    let ist2 = pending_ist(&magic_link_login(&mock, &org, &m, json!({})).await);
    assert_refused(
        &mock,
        "/v1/b2b/recovery_codes/recover",
        (&org, &m),
        json!({"recovery_code": codes[0], "intermediate_session_token": ist2}),
        401,
        "unable_to_authenticate_recovery_code",
    )
    .await;
    let left = mock
        .ok_get(&format!("/v1/b2b/recovery_codes/{org}/{m}"))
        .await;
    assert_eq!(left["recovery_codes"].as_array().unwrap().len(), 9);
    assert!(
        !left["recovery_codes"]
            .as_array()
            .unwrap()
            .contains(&json!(codes[0]))
    );

    // rotate: all old codes die, ten new ones
    let rotated = mock
        .ok_mfa("/v1/b2b/recovery_codes/rotate", body(&org, &m, json!({})))
        .await;
    assert_valid("recovery_codes.RotateResponse", &rotated);
    let new_codes = rotated["recovery_codes"].as_array().unwrap();
    assert_eq!(new_codes.len(), 10);
    assert!(codes.iter().all(|c| !new_codes.contains(&json!(c))));
    assert_refused(
        &mock,
        "/v1/b2b/recovery_codes/recover",
        (&org, &m),
        json!({"recovery_code": codes[1], "intermediate_session_token": ist2}),
        401,
        "unable_to_authenticate_recovery_code",
    )
    .await;
    let resp = mock
        .post(
            "/v1/b2b/recovery_codes/recover",
            body(
                &org,
                &m,
                json!({"recovery_code": new_codes[3], "intermediate_session_token": ist2}),
            ),
        )
        .await;
    assert_eq!(
        assert_mfa_session(
            &resp,
            "recovery_codes.RecoverResponse",
            &["magic_link", "recovery_codes"]
        )["recovery_codes_remaining"],
        9
    );
}

#[tokio::test]
async fn optional_enrollment_with_a_session_and_set_mfa_enrollment() {
    // Arrange: OPTIONAL org; the member has a primary-only session
    let mock = spawn_frozen().await;
    let (org, m) = org_and_member(&mock, json!({}), json!({})).await;
    let login = magic_link_login(&mock, &org, &m, json!({})).await;
    assert_eq!(
        login["member_authenticated"], true,
        "OPTIONAL and not enrolled: no MFA at login"
    );
    let token = login["session_token"].as_str().unwrap().to_owned();

    // Act 1: enroll SMS with the session and set_mfa_enrollment
    mock.ok_mfa(
        "/v1/b2b/otps/sms/send",
        body(
            &org,
            &m,
            json!({"mfa_phone_number": PHONE, "session_token": token}),
        ),
    )
    .await;
    let code = last_sms_code(&mock, &m).await;
    let resp = mock
        .post(
            "/v1/b2b/otps/sms/authenticate",
            body(
                &org,
                &m,
                json!({"code": code, "session_token": token, "set_mfa_enrollment": "enroll"}),
            ),
        )
        .await;

    // Assert 1: the factor is added to the same session; the member is enrolled
    let done = assert_mfa_session(
        &resp,
        "otp_sms.AuthenticateResponse",
        &["magic_link", "otp"],
    );
    assert_eq!(done["session_token"], token, "step-up keeps the session");
    assert_eq!(done["member"]["mfa_enrolled"], true);
    assert_eq!(done["member"]["mfa_phone_number_verified"], true);
    assert_eq!(
        stored_session_factor_types(&mock, &token).await,
        ["magic_link", "otp"]
    );
    let next = magic_link_login(&mock, &org, &m, json!({})).await;
    assert_eq!(
        next["mfa_required"]["secondary_auth_initiated"], "sms_otp",
        "enrolled: the next login owes MFA"
    );

    // Act 2: unenroll with another code
    mock.ok_mfa(
        "/v1/b2b/otps/sms/send",
        body(&org, &m, json!({"session_token": token})),
    )
    .await;
    let code = last_sms_code(&mock, &m).await;
    let done = mock
        .ok_mfa(
            "/v1/b2b/otps/sms/authenticate",
            body(
                &org,
                &m,
                json!({"code": code, "session_token": token, "set_mfa_enrollment": "unenroll"}),
            ),
        )
        .await;

    // Assert 2
    assert_eq!(done["member"]["mfa_enrolled"], false);
    assert_eq!(
        done["member_session"]["authentication_factors"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "re-proving refreshes the factor"
    );
    assert_eq!(
        magic_link_login(&mock, &org, &m, json!({})).await["member_authenticated"],
        true
    );
}

#[tokio::test]
async fn set_mfa_enrollment_is_ignored_under_required_for_all() {
    let mock = spawn_frozen().await;
    let (org, m, ist) = required_login(&mock).await;
    send_sms_with_ist(&mock, &org, &m, PHONE, &ist).await;
    let code = last_sms_code(&mock, &m).await;
    let done = mock
        .ok_mfa("/v1/b2b/otps/sms/authenticate", body(&org, &m, json!({"code": code, "intermediate_session_token": ist, "set_mfa_enrollment": "unenroll"})))
        .await;
    assert_eq!(done["member"]["mfa_enrolled"], true);
}

#[tokio::test]
async fn adding_a_second_method_and_set_default_mfa() {
    // Arrange: SMS enrolled; the session from that enrollment carries the SMS factor
    let mock = spawn_frozen().await;
    let (org, m) = required_org_and_member(&mock).await;
    let session = enroll_sms(&mock, &org, &m).await;

    // Act 1: add TOTP with that session, without set_default_mfa
    let created = mock
        .ok_mfa(
            "/v1/b2b/totp",
            body(&org, &m, json!({"session_token": session})),
        )
        .await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    let done = mock
        .ok_mfa(
            "/v1/b2b/totp/authenticate",
            body(
                &org,
                &m,
                json!({"code": code_for(&secret, now(&mock)), "session_token": session}),
            ),
        )
        .await;

    // Assert 1: both factors active, default unchanged, session has all three factors
    assert_eq!(
        done["member"]["totp_registration_id"],
        created["totp_registration_id"]
    );
    assert_eq!(done["member"]["mfa_phone_number_verified"], true);
    assert_eq!(done["member"]["default_mfa_method"], "sms_otp");
    assert_eq!(
        stored_session_factor_types(&mock, &session).await,
        ["magic_link", "otp", "totp"]
    );

    // Act 2: next login (an SMS is auto-sent: the default is still SMS) answered with TOTP and
    // set_default_mfa
    mock.advance_clock(30).await;
    let login = magic_link_login(&mock, &org, &m, json!({})).await;
    assert_eq!(login["mfa_required"]["secondary_auth_initiated"], "sms_otp");
    let ist = pending_ist(&login);
    let resp = mock
        .post(
            "/v1/b2b/totp/authenticate",
            body(&org, &m, json!({"code": code_for(&secret, now(&mock)), "intermediate_session_token": ist, "set_default_mfa": true})),
        )
        .await;

    // Assert 2
    let done = assert_mfa_session(&resp, "totps.AuthenticateResponse", &["magic_link", "totp"]);
    assert_eq!(done["member"]["default_mfa_method"], "totp");
    let login = magic_link_login(&mock, &org, &m, json!({})).await;
    assert_eq!(
        login["mfa_required"]["secondary_auth_initiated"],
        json!(null),
        "TOTP is the default now: no SMS"
    );
    assert_eq!(
        login["mfa_required"]["member_options"],
        json!({"mfa_phone_number": PHONE, "totp_registration_id": created["totp_registration_id"]})
    );
}

#[tokio::test]
async fn step_up_without_enrollment() {
    // Arrange: OPTIONAL org, member not enrolled, primary-only session
    let mock = spawn_frozen().await;
    let (org, m) = org_and_member(&mock, json!({}), json!({"mfa_phone_number": PHONE})).await;
    let login = magic_link_login(&mock, &org, &m, json!({})).await;
    assert_eq!(login["member_authenticated"], true);
    let (token, jwt) = (
        login["session_token"].as_str().unwrap().to_owned(),
        login["session_jwt"].as_str().unwrap().to_owned(),
    );

    // Act 1: the app asks for a second factor before a sensitive action (session JWT this time)
    mock.ok_mfa(
        "/v1/b2b/otps/sms/send",
        body(&org, &m, json!({"session_jwt": jwt})),
    )
    .await;
    let code = last_sms_code(&mock, &m).await;
    let resp = mock
        .post(
            "/v1/b2b/otps/sms/authenticate",
            body(&org, &m, json!({"code": code, "session_jwt": jwt, "session_duration_minutes": 120, "session_custom_claims": {"step": "up"}})),
        )
        .await;

    // Assert: factor added to the session, extended, claims merged; enrollment untouched
    let done = assert_mfa_session(
        &resp,
        "otp_sms.AuthenticateResponse",
        &["magic_link", "otp"],
    );
    assert_eq!(done["session_token"], token);
    assert_eq!(
        done["member"]["mfa_enrolled"], false,
        "step-up does not enroll"
    );
    assert_eq!(done["member"]["mfa_phone_number_verified"], true);
    assert_eq!(done["member"]["default_mfa_method"], "sms_otp");
    assert_eq!(done["member_session"]["expires_at"], "2030-01-01T02:00:00Z");
    assert_eq!(
        done["member_session"]["custom_claims"],
        json!({"step": "up"})
    );
    assert_eq!(
        stored_session_factor_types(&mock, &token).await,
        ["magic_link", "otp"]
    );
}
