//! Seed flow 2: a member who enrolled before logs in again and must prove the factor.

use mfa_engine::{MethodSet, MfaMethod, ServiceError};

use crate::helpers::*;

#[tokio::test]
async fn auto_sent_sms_then_a_wrong_code_then_the_right_one() {
    // Arrange: enrolled by SMS, logged out.
    let app = spawn_app().await;
    let (org, member) = app.org_with_member(REQUIRED, "back@example.com").await;
    let first = app.enroll_by_sms(&org, &member, "back@example.com").await;
    app.service.logout(first.flow_id).await.unwrap();

    // Act
    let challenge = expect_challenge(
        app.login_with_magic_link(&org, "back@example.com")
            .await
            .unwrap(),
    );
    let code = app.latest_sms_code(&member).await;
    let wrong = app
        .service
        .submit_code(challenge.flow_id, wrong_code(&code).into())
        .await
        .unwrap_err();
    let after_wrong = expect_challenge(app.service.resume(challenge.flow_id).await.unwrap());
    let right = app
        .service
        .submit_code(challenge.flow_id, code.into())
        .await
        .unwrap();

    // Assert
    assert_eq!(
        (challenge.method, challenge.sms_sent),
        (MfaMethod::Sms, true)
    );
    assert!(
        matches!(wrong, ServiceError::WrongCode { attempts_left: 4 }),
        "{wrong:?}"
    );
    assert_eq!(after_wrong.attempts_left, 4);
    let signed_in = expect_signed_in(right);
    app.assert_session_is_live(&signed_in).await;
    // A second submission of the finished flow is refused by state, not by Stytch.
    let again = app
        .service
        .submit_code(challenge.flow_id, "123456".into())
        .await
        .unwrap_err();
    assert!(matches!(again, ServiceError::WrongState(_)), "{again:?}");
}

#[tokio::test]
async fn totp_member_proves_totp_then_later_a_recovery_code() {
    let app = spawn_app().await;
    let (org, member) = app.org_with_member(REQUIRED, "totp-back@example.com").await;
    let step = app
        .login_with_magic_link(&org, "totp-back@example.com")
        .await
        .unwrap();
    let setup = app.service.enroll_totp(expect_enroll(&step)).await.unwrap();
    let code = app.totp_code(&org, &member).await;
    expect_signed_in(
        app.service
            .confirm_enrollment(setup.prompt.flow_id, code.into())
            .await
            .unwrap(),
    );
    // TOTP codes are single-use per window: move the mock to the next window.
    app.advance_mock_clock(30).await;

    let challenge = expect_challenge(
        app.login_with_magic_link(&org, "totp-back@example.com")
            .await
            .unwrap(),
    );
    assert_eq!(
        (
            challenge.method,
            challenge.sms_sent,
            challenge.recovery_code_allowed
        ),
        (MfaMethod::Totp, false, true)
    );
    let code = app.totp_code(&org, &member).await;
    app.assert_session_is_live(&expect_signed_in(
        app.service
            .submit_code(challenge.flow_id, code.into())
            .await
            .unwrap(),
    ))
    .await;

    let challenge = expect_challenge(
        app.login_with_magic_link(&org, "totp-back@example.com")
            .await
            .unwrap(),
    );
    let recovery = setup.recovery_codes[0].clone();
    let done = app
        .service
        .submit_recovery_code(challenge.flow_id, recovery)
        .await
        .unwrap();
    app.assert_session_is_live(&expect_signed_in(done)).await;
}

#[tokio::test]
async fn member_with_both_factors_switches_from_sms_to_totp() {
    // Arrange: SMS at required enrollment, TOTP added afterwards from the session.
    let app = spawn_app().await;
    let (org, member) = app.org_with_member(REQUIRED, "both@example.com").await;
    let signed_in = app.enroll_by_sms(&org, &member, "both@example.com").await;
    let prompt = app
        .service
        .begin_enrollment(signed_in.flow_id, false)
        .await
        .unwrap();
    assert_eq!(prompt.offered, MethodSet::only(MfaMethod::Totp));
    app.service.enroll_totp(prompt.flow_id).await.unwrap();
    let code = app.totp_code(&org, &member).await;
    expect_signed_in(
        app.service
            .confirm_enrollment(prompt.flow_id, code.into())
            .await
            .unwrap(),
    );
    app.advance_mock_clock(30).await;

    // Act
    let challenge = expect_challenge(
        app.login_with_magic_link(&org, "both@example.com")
            .await
            .unwrap(),
    );
    let switched = app
        .service
        .use_method(challenge.flow_id, MfaMethod::Totp)
        .await
        .unwrap();
    let code = app.totp_code(&org, &member).await;
    let done = app
        .service
        .submit_code(challenge.flow_id, code.into())
        .await
        .unwrap();

    // Assert
    assert_eq!(
        (challenge.method, challenge.available),
        (MfaMethod::Sms, MethodSet::ALL)
    );
    assert_eq!(
        (switched.method, switched.sms_sent),
        (MfaMethod::Totp, false)
    );
    app.assert_session_is_live(&expect_signed_in(done)).await;
}

#[tokio::test]
async fn rotated_recovery_codes_replace_the_old_ones() {
    let app = spawn_app().await;
    let (org, member) = app.org_with_member(REQUIRED, "rotate@example.com").await;
    let step = app
        .login_with_magic_link(&org, "rotate@example.com")
        .await
        .unwrap();
    let setup = app.service.enroll_totp(expect_enroll(&step)).await.unwrap();
    let code = app.totp_code(&org, &member).await;
    let signed_in = expect_signed_in(
        app.service
            .confirm_enrollment(setup.prompt.flow_id, code.into())
            .await
            .unwrap(),
    );

    let fresh = app
        .service
        .rotate_recovery_codes(signed_in.flow_id)
        .await
        .unwrap();
    let listed = app.service.recovery_codes(signed_in.flow_id).await.unwrap();
    let challenge = expect_challenge(
        app.login_with_magic_link(&org, "rotate@example.com")
            .await
            .unwrap(),
    );
    let old = app
        .service
        .submit_recovery_code(challenge.flow_id, setup.recovery_codes[0].clone())
        .await
        .unwrap_err();
    let new = app
        .service
        .submit_recovery_code(challenge.flow_id, fresh[0].clone())
        .await
        .unwrap();

    assert_eq!((fresh.len(), listed.len()), (10, 10));
    assert!(
        matches!(old, ServiceError::WrongCode { attempts_left: 4 }),
        "{old:?}"
    );
    app.assert_session_is_live(&expect_signed_in(new)).await;
}
