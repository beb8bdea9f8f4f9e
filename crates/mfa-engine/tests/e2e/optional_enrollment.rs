//! Seed flow 3: an OPTIONAL organization; a signed-in member opts into MFA.

use mfa_engine::{MethodSet, MfaMethod};

use crate::helpers::*;

#[tokio::test]
async fn optional_org_signs_in_directly_then_member_opts_into_totp() {
    // Arrange
    let app = spawn_app().await;
    let (org, member) = app.org_with_member(OPTIONAL, "opt@example.com").await;

    // Act: no MFA at first login.
    let signed_in = expect_signed_in(
        app.login_with_magic_link(&org, "opt@example.com")
            .await
            .unwrap(),
    );
    let prompt = app
        .service
        .begin_enrollment(signed_in.flow_id, true)
        .await
        .unwrap();
    let setup = app.service.enroll_totp(prompt.flow_id).await.unwrap();
    let code = app.totp_code(&org, &member).await;
    let back = expect_signed_in(
        app.service
            .confirm_enrollment(setup.prompt.flow_id, code.into())
            .await
            .unwrap(),
    );

    // Assert: same flow, back to a session; MFA now applies at every login.
    assert_eq!(prompt.offered, MethodSet::ALL);
    assert_eq!(back.flow_id, signed_in.flow_id);
    app.assert_session_is_live(&back).await;
    assert!(
        app.admin()
            .members_get(&org, &member)
            .await
            .unwrap()
            .member
            .mfa_enrolled
    );
    app.advance_mock_clock(30).await;
    let next = expect_challenge(
        app.login_with_magic_link(&org, "opt@example.com")
            .await
            .unwrap(),
    );
    assert_eq!(next.method, MfaMethod::Totp);
}

#[tokio::test]
async fn optional_org_member_opts_into_sms() {
    let app = spawn_app().await;
    let (org, member) = app.org_with_member(OPTIONAL, "opt-sms@example.com").await;
    let signed_in = expect_signed_in(
        app.login_with_magic_link(&org, "opt-sms@example.com")
            .await
            .unwrap(),
    );

    let prompt = app
        .service
        .begin_enrollment(signed_in.flow_id, true)
        .await
        .unwrap();
    app.service.enroll_sms(prompt.flow_id, PHONE).await.unwrap();
    let code = app.latest_sms_code(&member).await;
    let back = expect_signed_in(
        app.service
            .confirm_enrollment(prompt.flow_id, code.into())
            .await
            .unwrap(),
    );

    app.assert_session_is_live(&back).await;
    let m = app.admin().members_get(&org, &member).await.unwrap().member;
    assert!(m.mfa_enrolled && m.mfa_phone_number_verified);
    let next = expect_challenge(
        app.login_with_magic_link(&org, "opt-sms@example.com")
            .await
            .unwrap(),
    );
    assert_eq!((next.method, next.sms_sent), (MfaMethod::Sms, true));
}
