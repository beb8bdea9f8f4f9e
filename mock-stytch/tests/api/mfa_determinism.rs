//! Determinism of MFA material: the same seed and request sequence give the same SMS codes, TOTP
//! secrets, QR codes and recovery codes in two fresh instances; another seed gives others.

use mock_stytch::Config;
use serde_json::{Value, json};

use crate::helpers::{FROZEN, spawn_with};
use crate::mfa_helpers::*;

/// Run one SMS enrollment and one TOTP creation on a fresh instance with `seed`.
async fn material(seed: u64) -> (String, Value, String) {
    let mock = spawn_with(Config {
        seed: Some(seed),
        frozen_clock: Some(FROZEN.parse().unwrap()),
        ..Config::for_tests()
    })
    .await;
    let (org, m) = org_and_member(&mock, json!({}), json!({})).await;
    let session = enroll_sms(&mock, &org, &m).await;
    let sms_code = last_sms_code(&mock, &m).await;
    let created = mock
        .ok_mfa(
            "/v1/b2b/totp",
            body(&org, &m, json!({"session_token": session})),
        )
        .await;
    let totp_now = totp_code(&mock, &org, &m).await;
    mock.stop().await;
    (sms_code, created, totp_now)
}

#[tokio::test]
async fn same_seed_same_codes_and_secrets() {
    let (sms_a, totp_a, code_a) = material(7).await;
    let (sms_b, totp_b, code_b) = material(7).await;
    assert_eq!(sms_a, sms_b);
    assert_eq!(code_a, code_b);
    for key in [
        "totp_registration_id",
        "secret",
        "qr_code",
        "recovery_codes",
    ] {
        assert_eq!(totp_a[key], totp_b[key], "{key}");
    }
    let (sms_c, totp_c, _) = material(8).await;
    assert_ne!(sms_a, sms_c);
    assert_ne!(totp_a["secret"], totp_c["secret"]);
    assert_ne!(totp_a["recovery_codes"], totp_c["recovery_codes"]);
}
