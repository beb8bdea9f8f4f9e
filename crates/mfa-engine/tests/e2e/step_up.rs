//! Step-up: a signed-in member proves a factor again before a sensitive action.

use mfa_engine::{MfaMethod, ServiceError, TransitionError};

use crate::helpers::*;

#[tokio::test]
async fn step_up_factor_does_not_turn_on_mfa_at_login_but_can_be_proven_later() {
    // Arrange: enrolled for step-up only (no "enroll").
    let app = spawn_app().await;
    let (org, member) = app.org_with_member(OPTIONAL, "step@example.com").await;
    let first = expect_signed_in(
        app.login_with_magic_link(&org, "step@example.com")
            .await
            .unwrap(),
    );
    let prompt = app
        .service
        .begin_enrollment(first.flow_id, false)
        .await
        .unwrap();
    app.service.enroll_totp(prompt.flow_id).await.unwrap();
    let code = app.totp_code(&org, &member).await;
    expect_signed_in(
        app.service
            .confirm_enrollment(prompt.flow_id, code.into())
            .await
            .unwrap(),
    );
    app.advance_mock_clock(30).await;

    // Act: a later login goes straight in; then step up.
    let later = expect_signed_in(
        app.login_with_magic_link(&org, "step@example.com")
            .await
            .unwrap(),
    );
    let challenge = app.service.begin_step_up(later.flow_id).await.unwrap();
    let code = app.totp_code(&org, &member).await;
    let wrong = app
        .service
        .submit_code(later.flow_id, wrong_code(&code).into())
        .await
        .unwrap_err();
    let done = expect_signed_in(
        app.service
            .submit_code(later.flow_id, code.into())
            .await
            .unwrap(),
    );

    // Assert
    assert_eq!(challenge.method, MfaMethod::Totp);
    assert!(matches!(wrong, ServiceError::WrongCode { .. }), "{wrong:?}");
    assert_eq!(done.flow_id, later.flow_id);
    app.assert_session_is_live(&done).await;
}

#[tokio::test]
async fn step_up_without_any_factor_is_refused() {
    let app = spawn_app().await;
    let (org, _member) = app.org_with_member(OPTIONAL, "nofactor@example.com").await;
    let signed_in = expect_signed_in(
        app.login_with_magic_link(&org, "nofactor@example.com")
            .await
            .unwrap(),
    );

    let err = app
        .service
        .begin_step_up(signed_in.flow_id)
        .await
        .unwrap_err();

    assert!(
        matches!(
            err,
            ServiceError::Transition(TransitionError::NothingToOffer)
        ),
        "{err:?}"
    );
    // The flow is untouched: still signed in.
    expect_signed_in(app.service.resume(signed_in.flow_id).await.unwrap());
}

#[tokio::test]
async fn a_session_from_elsewhere_can_be_adopted_and_logged_out() {
    let app = spawn_app().await;
    let (org, _member) = app.org_with_member(OPTIONAL, "adopt@example.com").await;
    let original = expect_signed_in(
        app.login_with_magic_link(&org, "adopt@example.com")
            .await
            .unwrap(),
    );

    let adopted = app
        .service
        .start_from_session(original.session_token.clone())
        .await
        .unwrap();
    app.service.logout(adopted.flow_id).await.unwrap();

    assert_ne!(adopted.flow_id, original.flow_id);
    let gone = app.service.resume(adopted.flow_id).await.unwrap_err();
    assert!(matches!(gone, ServiceError::NotFound(_)), "{gone:?}");
    let req = stytch_client::api::sessions::SessionAuthenticateRequest::new(
        stytch_client::SessionAuth::Token(original.session_token),
    );
    let revoked = app.admin().sessions_authenticate(&req).await.unwrap_err();
    assert!(revoked.is_api("session_not_found"), "{revoked:?}");
}
