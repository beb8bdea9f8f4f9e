//! TOTP: the registration life cycle (pending → active, expiry, replacement, deletion), the QR
//! code's content, RFC 6238 windows around a 30 s boundary on the virtual clock, replays,
//! migration, and every refusal with its status and error_type.

use serde_json::json;

use crate::helpers::{assert_error, spawn_frozen};
use crate::mfa_helpers::*;
use crate::schema::assert_valid;

const CREATE: &str = "/v1/b2b/totp";
const AUTH: &str = "/v1/b2b/totp/authenticate";
const MIGRATE: &str = "/v1/b2b/totp/migrate";

/// Decode the PNG in a `data:image/png;base64,` URI and read the QR code in it.
fn decode_qr(data_uri: &str) -> String {
    use base64::Engine;
    let b64 = data_uri
        .strip_prefix("data:image/png;base64,")
        .expect("PNG data URI");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut buf).expect("PNG frame");
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    let (w, h) = (info.width as usize, info.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().expect("QR decodes").1
}

#[tokio::test]
async fn the_qr_code_holds_the_otpauth_uri_with_the_org_name_as_issuer() {
    let mock = spawn_frozen().await;
    let (org, m) = required_org_and_member(&mock).await;
    let ist = primary_ist(&mock, &org, &m).await;
    let created = mock
        .ok_mfa(
            CREATE,
            body(&org, &m, json!({"intermediate_session_token": ist})),
        )
        .await;
    let secret = created["secret"].as_str().unwrap();
    assert_eq!(
        decode_qr(created["qr_code"].as_str().unwrap()),
        format!(
            "otpauth://totp/Acme%20Inc:ada@acme.com?algorithm=SHA1&digits=6&period=30&secret={secret}&issuer=Acme%20Inc"
        )
    );
}

#[tokio::test]
async fn recovery_codes_and_ids_have_the_documented_shapes() {
    let mock = spawn_frozen().await;
    let (org, m) = required_org_and_member(&mock).await;
    let ist = primary_ist(&mock, &org, &m).await;
    let created = mock
        .ok_mfa(
            CREATE,
            body(&org, &m, json!({"intermediate_session_token": ist})),
        )
        .await;
    let codes = created["recovery_codes"].as_array().unwrap();
    for c in codes {
        let c = c.as_str().unwrap();
        let parts: Vec<&str> = c.split('-').collect();
        assert_eq!(parts.len(), 3, "{c}");
        assert!(
            parts.iter().all(|p| p.len() == 4
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())),
            "{c}"
        );
    }
    let unique: std::collections::HashSet<&str> =
        codes.iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(unique.len(), 10);
}

#[tokio::test]
async fn codes_around_a_30_second_boundary() {
    // Arrange: FROZEN (2030-01-01T00:00:00Z) is a step boundary; move to its last second
    let mock = spawn_frozen().await;
    let (org, m) = required_org_and_member(&mock).await;
    let ist = primary_ist(&mock, &org, &m).await;
    let created = mock
        .ok_mfa(
            CREATE,
            body(&org, &m, json!({"intermediate_session_token": ist})),
        )
        .await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    mock.advance_clock(29).await;
    let t = now(&mock);
    assert_eq!(t % 30, 29);
    let at_step = |offset: i64| code_for(&secret, t + 30 * offset);
    let helper = mock
        .ok_get(&format!(
            "/_mock/totp/code?organization_id={org}&member_id={m}"
        ))
        .await;
    assert_eq!(helper["code"], at_step(0));
    assert_eq!(helper["seconds_remaining"], 1);
    assert_eq!(helper["status"], "pending");

    // two steps away on either side: refused
    assert_refused(
        &mock,
        AUTH,
        (&org, &m),
        json!({"code": at_step(-2), "intermediate_session_token": ist}),
        401,
        "unable_to_authenticate_totp",
    )
    .await;
    assert_refused(
        &mock,
        AUTH,
        (&org, &m),
        json!({"code": at_step(2), "intermediate_session_token": ist}),
        401,
        "unable_to_authenticate_totp",
    )
    .await;
    // the previous step is accepted (clock skew), activating the registration
    let done = mock
        .ok_mfa(
            AUTH,
            body(
                &org,
                &m,
                json!({"code": at_step(-1), "intermediate_session_token": ist}),
            ),
        )
        .await;
    let session = done["session_token"].as_str().unwrap().to_owned();
    // the same code again: a replay
    assert_refused(
        &mock,
        AUTH,
        (&org, &m),
        json!({"code": at_step(-1), "session_token": session}),
        401,
        "totp_code_already_authenticated",
    )
    .await;

    // Act: one second later the next step begins
    mock.advance_clock(1).await;
    // the step that was current a second ago is now the previous one, still inside the window
    mock.ok_mfa(
        AUTH,
        body(
            &org,
            &m,
            json!({"code": at_step(0), "session_token": session}),
        ),
    )
    .await;
    // and the one before it has left the window
    assert_refused(
        &mock,
        AUTH,
        (&org, &m),
        json!({"code": at_step(-1), "session_token": session}),
        401,
        "unable_to_authenticate_totp",
    )
    .await;
    // the next step (skew ahead) is accepted; going back to an older step after it is not
    mock.ok_mfa(
        AUTH,
        body(
            &org,
            &m,
            json!({"code": at_step(2), "session_token": session}),
        ),
    )
    .await;
    assert_refused(
        &mock,
        AUTH,
        (&org, &m),
        json!({"code": at_step(1), "session_token": session}),
        401,
        "totp_code_already_authenticated",
    )
    .await;
    let helper = mock
        .ok_get(&format!(
            "/_mock/totp/code?organization_id={org}&member_id={m}"
        ))
        .await;
    assert_eq!(helper["seconds_remaining"], 30);
    assert_eq!(helper["status"], "active");
}

#[tokio::test]
async fn a_pending_registration_expires_unconfirmed() {
    let mock = spawn_frozen().await;
    let (org, m) = required_org_and_member(&mock).await;
    let (token, _) = primary_session(&mock, &org, &m).await;
    // expiration_minutes bounds
    for bad in [4, 1441] {
        assert_refused(
            &mock,
            CREATE,
            (&org, &m),
            json!({"session_token": token, "expiration_minutes": bad}),
            400,
            "invalid_argument",
        )
        .await;
    }
    let created = mock
        .ok_mfa(
            CREATE,
            body(
                &org,
                &m,
                json!({"session_token": token, "expiration_minutes": 5}),
            ),
        )
        .await;
    let secret = created["secret"].as_str().unwrap().to_owned();
    mock.advance_clock(299).await;
    assert_eq!(
        totp_code(&mock, &org, &m).await,
        code_for(&secret, now(&mock)),
        "alive at 4:59"
    );
    mock.advance_clock(1).await;
    let code = code_for(&secret, now(&mock));
    assert_refused(
        &mock,
        AUTH,
        (&org, &m),
        json!({"code": code, "session_token": token}),
        404,
        "totp_not_found",
    )
    .await;
    assert_error(
        &mock
            .get(&format!(
                "/_mock/totp/code?organization_id={org}&member_id={m}"
            ))
            .await,
        404,
        "totp_not_found",
    );
    // and a new registration can be made
    let again = mock
        .ok_mfa(CREATE, body(&org, &m, json!({"session_token": token})))
        .await;
    assert_ne!(again["secret"], created["secret"]);
}

#[tokio::test]
async fn a_second_create_replaces_a_pending_registration_but_not_an_active_one() {
    let mock = spawn_frozen().await;
    let (org, m) = required_org_and_member(&mock).await;
    let ist = primary_ist(&mock, &org, &m).await;
    let first = mock
        .ok_mfa(
            CREATE,
            body(&org, &m, json!({"intermediate_session_token": ist})),
        )
        .await;
    let second = mock
        .ok_mfa(
            CREATE,
            body(&org, &m, json!({"intermediate_session_token": ist})),
        )
        .await;
    assert_ne!(first["secret"], second["secret"]);
    assert_ne!(
        first["totp_registration_id"],
        second["totp_registration_id"]
    );
    let old = code_for(first["secret"].as_str().unwrap(), now(&mock));
    let new = code_for(second["secret"].as_str().unwrap(), now(&mock));
    assert_ne!(old, new);
    assert_refused(
        &mock,
        AUTH,
        (&org, &m),
        json!({"code": old, "intermediate_session_token": ist}),
        401,
        "unable_to_authenticate_totp",
    )
    .await;
    let done = mock
        .ok_mfa(
            AUTH,
            body(
                &org,
                &m,
                json!({"code": new, "intermediate_session_token": ist}),
            ),
        )
        .await;
    assert_eq!(
        done["member"]["totp_registration_id"],
        second["totp_registration_id"]
    );
    // now active: a create is refused until the registration is deleted
    let session = done["session_token"].as_str().unwrap();
    assert_error(
        &mock
            .post(CREATE, body(&org, &m, json!({"session_token": session})))
            .await,
        400,
        "active_totp_exists",
    );
}

#[tokio::test]
async fn deleting_the_totp_removes_the_registration_and_its_recovery_codes() {
    // Arrange
    let mock = spawn_frozen().await;
    let (org, m) = required_org_and_member(&mock).await;
    let (created, session) = enroll_totp(&mock, &org, &m).await;
    let secret = created["secret"].as_str().unwrap().to_owned();

    // Act
    let (status, deleted) = mock
        .delete(&format!("/v1/b2b/organizations/{org}/members/{m}/totp"))
        .await;

    // Assert
    assert_eq!(status, 200, "{deleted}");
    assert_valid("organizations_members.DeleteTOTPResponse", &deleted);
    assert_eq!(deleted["member"]["totp_registration_id"], "");
    assert_eq!(deleted["member"]["default_mfa_method"], "");
    assert_error(
        &mock.get(&format!("/v1/b2b/recovery_codes/{org}/{m}")).await,
        404,
        "recovery_codes_not_found",
    );
    assert_error(
        &mock
            .get(&format!(
                "/_mock/totp/code?organization_id={org}&member_id={m}"
            ))
            .await,
        404,
        "totp_not_found",
    );
    mock.advance_clock(30).await;
    let code = code_for(&secret, now(&mock));
    assert_refused(
        &mock,
        AUTH,
        (&org, &m),
        json!({"code": code, "session_token": session}),
        404,
        "totp_not_found",
    )
    .await;
    assert_eq!(
        stored_session_factor_types(&mock, &session).await,
        ["magic_link", "totp"],
        "existing sessions stay (R8)"
    );
    // a fresh registration can be made, with a new secret
    let again = mock
        .ok_mfa(CREATE, body(&org, &m, json!({"session_token": session})))
        .await;
    assert_ne!(again["secret"], created["secret"]);
    // deleting a member's pending registration works too; then there is nothing left to delete
    mock.ok_mfa(CREATE, body(&org, &m, json!({"session_token": session})))
        .await;
    assert_eq!(
        mock.delete(&format!("/v1/b2b/organizations/{org}/members/{m}/totp"))
            .await
            .0,
        200
    );
    assert_error(
        &mock
            .delete(&format!("/v1/b2b/organizations/{org}/members/{m}/totp"))
            .await,
        404,
        "totp_not_found",
    );
}

#[tokio::test]
async fn migrate_imports_an_active_registration() {
    let mock = spawn_frozen().await;
    let (org, m) = required_org_and_member(&mock).await;

    // minted recovery codes when none are given
    let migrated = mock
        .ok_mfa(
            MIGRATE,
            body(
                &org,
                &m,
                json!({"secret": "JBSWY3DPEHPK3PXP", "recovery_codes": []}),
            ),
        )
        .await;
    assert_valid("totps.MigrateResponse", &migrated);
    assert_eq!(
        migrated["member"]["totp_registration_id"],
        migrated["totp_registration_id"]
    );
    assert_eq!(migrated["recovery_codes"].as_array().unwrap().len(), 10);
    assert_refused(
        &mock,
        MIGRATE,
        (&org, &m),
        json!({"secret": "JBSWY3DPEHPK3PXP", "recovery_codes": []}),
        400,
        "active_totp_exists",
    )
    .await;

    // the imported secret authenticates at once
    let ist = primary_ist(&mock, &org, &m).await;
    let code = code_for("JBSWY3DPEHPK3PXP", now(&mock));
    let resp = mock
        .post(
            AUTH,
            body(
                &org,
                &m,
                json!({"code": code, "intermediate_session_token": ist}),
            ),
        )
        .await;
    assert_mfa_session(&resp, "totps.AuthenticateResponse", &["magic_link", "totp"]);

    // given recovery codes are kept (normalised to lower case)
    let bob = another_member(&mock, &org, "bob@acme.com").await;
    let migrated = mock
        .ok_mfa(MIGRATE, body(&org, &bob, json!({"secret": "jbswy3dpehpk3pxp", "recovery_codes": ["AAAA-BBBB-CCCC", "dddd-eeee-ffff"]})))
        .await;
    assert_eq!(
        migrated["recovery_codes"],
        json!(["aaaa-bbbb-cccc", "dddd-eeee-ffff"])
    );
    assert_refused(
        &mock,
        MIGRATE,
        (&org, &m),
        json!({"secret": "not base32!", "recovery_codes": []}),
        400,
        "invalid_argument",
    )
    .await;
    let carol = another_member(&mock, &org, "carol@acme.com").await;
    assert_error(
        &mock
            .post(
                MIGRATE,
                body(
                    &org,
                    &carol,
                    json!({"secret": "JBSWY3DPEHPK3PXP", "recovery_codes": ["short"]}),
                ),
            )
            .await,
        400,
        "invalid_argument",
    );
}

#[tokio::test]
async fn totp_refusals() {
    let mock = spawn_frozen().await;
    let (org, m) = required_org_and_member(&mock).await;
    let ist = primary_ist(&mock, &org, &m).await;
    // no registration at all
    assert_refused(
        &mock,
        AUTH,
        (&org, &m),
        json!({"code": "123456", "intermediate_session_token": ist}),
        404,
        "totp_not_found",
    )
    .await;
    // a recovery code sent to the TOTP endpoint
    assert_refused(
        &mock,
        AUTH,
        (&org, &m),
        json!({"code": "abcd-efgh-ijkl", "intermediate_session_token": ist}),
        400,
        "recovery_code_used_as_totp_code",
    )
    .await;
    mock.ok_mfa(
        CREATE,
        body(&org, &m, json!({"intermediate_session_token": ist})),
    )
    .await;
    // not a code at all
    assert_refused(
        &mock,
        AUTH,
        (&org, &m),
        json!({"code": "12ab", "intermediate_session_token": ist}),
        401,
        "unable_to_authenticate_totp",
    )
    .await;
    // no token / another member's IST
    assert_error(
        &mock
            .post(AUTH, body(&org, &m, json!({"code": "123456"})))
            .await,
        400,
        "no_session_arguments",
    );
    let bob = another_member(&mock, &org, "bob@acme.com").await;
    let bobs = primary_ist(&mock, &org, &bob).await;
    assert_refused(
        &mock,
        CREATE,
        (&org, &m),
        json!({"intermediate_session_token": bobs}),
        403,
        "session_authorization_error",
    )
    .await;
    assert_refused(
        &mock,
        AUTH,
        (&org, &m),
        json!({"code": "123456", "intermediate_session_token": bobs}),
        403,
        "session_authorization_error",
    )
    .await;
    assert_error(
        &mock.post(CREATE, body("nope", &m, json!({}))).await,
        404,
        "organization_not_found",
    );
    assert_error(
        &mock
            .post(CREATE, body(&org, "member-test-nope", json!({})))
            .await,
        404,
        "member_not_found",
    );
}

#[tokio::test]
async fn totp_is_refused_where_the_org_allows_only_sms_except_for_breakglass() {
    let mock = spawn_frozen().await;
    let (org, m) = org_and_member(
        &mock,
        json!({"mfa_methods": "RESTRICTED", "allowed_mfa_methods": ["sms_otp"]}),
        json!({}),
    )
    .await;
    let ist = primary_ist(&mock, &org, &m).await;
    let restricted = "operation_restricted_by_organization_mfa_methods";
    assert_error(
        &mock
            .post(
                CREATE,
                body(&org, &m, json!({"intermediate_session_token": ist})),
            )
            .await,
        403,
        restricted,
    );
    assert_error(
        &mock
            .post(
                AUTH,
                body(
                    &org,
                    &m,
                    json!({"code": "123456", "intermediate_session_token": ist}),
                ),
            )
            .await,
        403,
        restricted,
    );
    assert_error(
        &mock
            .post(
                MIGRATE,
                body(
                    &org,
                    &m,
                    json!({"secret": "JBSWY3DPEHPK3PXP", "recovery_codes": []}),
                ),
            )
            .await,
        403,
        restricted,
    );
    assert_error(
        &mock
            .post(
                "/v1/b2b/recovery_codes/recover",
                body(
                    &org,
                    &m,
                    json!({"recovery_code": "abcd-efgh-ijkl", "intermediate_session_token": ist}),
                ),
            )
            .await,
        403,
        restricted,
    );
    let admin = mock
        .create_member(&org, "root@acme.com", json!({"is_breakglass": true}))
        .await;
    let admin = admin["member_id"].as_str().unwrap();
    enroll_totp(&mock, &org, admin).await;
}

#[tokio::test]
async fn enrolling_totp_over_a_verified_phone_needs_an_mfa_session() {
    let mock = spawn_frozen().await;
    let (org, m) = required_org_and_member(&mock).await;
    let sms_session = enroll_sms(&mock, &org, &m).await;
    let ist = primary_ist(&mock, &org, &m).await;
    let (primary_only, _) = primary_session(&mock, &org, &m).await;
    let guard = "session_enforced_factor_matching_session_required";
    assert_error(
        &mock
            .post(
                CREATE,
                body(&org, &m, json!({"intermediate_session_token": ist})),
            )
            .await,
        403,
        guard,
    );
    assert_error(
        &mock
            .post(
                CREATE,
                body(&org, &m, json!({"session_token": primary_only})),
            )
            .await,
        403,
        guard,
    );
    assert_error(
        &mock.post(CREATE, body(&org, &m, json!({}))).await,
        403,
        guard,
    );
    assert_valid(
        "totps.CreateResponse",
        &mock
            .ok_mfa(
                CREATE,
                body(&org, &m, json!({"session_token": sms_session})),
            )
            .await,
    );
}
