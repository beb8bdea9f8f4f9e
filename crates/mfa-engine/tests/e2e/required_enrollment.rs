//! Seed flow 1: the organization requires MFA and the member has none yet.

use mfa_engine::{
    EnrollmentStarted, LoginStep, MethodSet, MfaMethod, ServiceError, TransitionError,
};

use crate::helpers::*;

#[tokio::test]
async fn enrolls_by_sms_and_gets_a_session() {
    // Arrange
    let app = spawn_app().await;
    let (org, member) = app.org_with_member(REQUIRED, "sms@example.com").await;

    // Act
    let step = app
        .login_with_magic_link(&org, "sms@example.com")
        .await
        .unwrap();
    let LoginStep::Enroll(prompt) = &step else {
        panic!("expected enrollment, got {step:?}")
    };
    assert_eq!(prompt.offered, MethodSet::ALL);
    assert!(prompt.started.is_none());
    let prompt = app.service.enroll_sms(prompt.flow_id, PHONE).await.unwrap();
    let code = app.latest_sms_code(&member).await;
    let done = app
        .service
        .confirm_enrollment(prompt.flow_id, code.into())
        .await
        .unwrap();

    // Assert
    assert_eq!(
        prompt.started,
        Some(EnrollmentStarted::Sms {
            phone_number: PHONE.into()
        })
    );
    let signed_in = expect_signed_in(done);
    assert_eq!(
        (
            signed_in.member_id.as_str(),
            signed_in.organization_id.as_str()
        ),
        (member.as_str(), org.as_str())
    );
    app.assert_session_is_live(&signed_in).await;
    let m = app.admin().members_get(&org, &member).await.unwrap().member;
    assert!(m.mfa_phone_number_verified && m.mfa_enrolled);
}

#[tokio::test]
async fn enrolls_by_totp_and_gets_a_session() {
    let app = spawn_app().await;
    let (org, member) = app.org_with_member(REQUIRED, "totp@example.com").await;

    let step = app
        .login_with_magic_link(&org, "totp@example.com")
        .await
        .unwrap();
    let setup = app.service.enroll_totp(expect_enroll(&step)).await.unwrap();
    let code = app.totp_code(&org, &member).await;
    let done = app
        .service
        .confirm_enrollment(setup.prompt.flow_id, code.into())
        .await
        .unwrap();

    assert!(setup.qr_code.starts_with("data:image/png;base64,"));
    assert_eq!(setup.recovery_codes.len(), 10);
    assert!(matches!(
        setup.prompt.started,
        Some(EnrollmentStarted::Totp { .. })
    ));
    app.assert_session_is_live(&expect_signed_in(done)).await;
}

#[tokio::test]
async fn restricted_organization_offers_only_its_methods() {
    let app = spawn_app().await;
    let rules = OrgRules {
        mfa_policy: "REQUIRED_FOR_ALL",
        allowed: Some(&["totp"]),
    };
    let (org, _member) = app.org_with_member(rules, "restricted@example.com").await;

    let step = app
        .login_with_magic_link(&org, "restricted@example.com")
        .await
        .unwrap();
    let LoginStep::Enroll(prompt) = step else {
        panic!("expected enrollment, got {step:?}")
    };
    let refused = app
        .service
        .enroll_sms(prompt.flow_id, PHONE)
        .await
        .unwrap_err();

    assert_eq!(prompt.offered, MethodSet::only(MfaMethod::Totp));
    assert!(
        matches!(
            refused,
            ServiceError::Transition(TransitionError::MethodNotAvailable(MfaMethod::Sms))
        ),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_wrong_enrollment_code_counts_and_the_right_one_still_works() {
    let app = spawn_app().await;
    let (org, member) = app.org_with_member(REQUIRED, "typo@example.com").await;
    let step = app
        .login_with_magic_link(&org, "typo@example.com")
        .await
        .unwrap();
    let flow = expect_enroll(&step);
    app.service.enroll_sms(flow, PHONE).await.unwrap();
    let code = app.latest_sms_code(&member).await;

    let wrong = app
        .service
        .confirm_enrollment(flow, wrong_code(&code).into())
        .await
        .unwrap_err();
    let right = app
        .service
        .confirm_enrollment(flow, code.into())
        .await
        .unwrap();

    assert!(
        matches!(wrong, ServiceError::WrongCode { attempts_left: 4 }),
        "{wrong:?}"
    );
    expect_signed_in(right);
}

#[tokio::test]
async fn a_code_for_a_flow_in_another_state_is_a_clear_error() {
    let app = spawn_app().await;
    let (org, _member) = app.org_with_member(REQUIRED, "state@example.com").await;
    let step = app
        .login_with_magic_link(&org, "state@example.com")
        .await
        .unwrap();

    let err = app
        .service
        .submit_code(expect_enroll(&step), "123456".into())
        .await
        .unwrap_err();

    assert!(matches!(err, ServiceError::WrongState(_)), "{err:?}");
    assert!(err.is_client_error());
}
