//! Every primary-auth entry point of the service ends in the same routing: password, the two
//! password resets, SSO, OAuth and sessions exchange.

use mfa_engine::LoginStep;
use mock_control::{MessageKind, OauthProvider};

use crate::helpers::*;

const PASSWORD: &str = "correct-Horse-battery-staple-42!";
const NEW_PASSWORD: &str = "another-Long-passphrase-77?";

#[tokio::test]
async fn password_reset_then_password_login_then_existing_password_reset() {
    let app = spawn_app().await;
    let (org, _member) = app.org_with_member(REQUIRED, "pw@example.com").await;

    app.service
        .start_password_reset(&org, "pw@example.com")
        .await
        .unwrap();
    let token = app
        .email_token("pw@example.com", MessageKind::PasswordReset)
        .await;
    let by_reset = app
        .service
        .login_with_password_reset(token.into(), PASSWORD.into())
        .await
        .unwrap();
    let by_password = app
        .service
        .login_with_password(&org, "pw@example.com", PASSWORD.into())
        .await
        .unwrap();
    let by_existing = app
        .service
        .login_with_existing_password_reset(
            &org,
            "pw@example.com",
            PASSWORD.into(),
            NEW_PASSWORD.into(),
        )
        .await
        .unwrap();

    // MFA is required and nothing is enrolled: three separate flows, all at enrollment.
    let ids = [
        expect_enroll(&by_reset),
        expect_enroll(&by_password),
        expect_enroll(&by_existing),
    ];
    assert!(ids[0] != ids[1] && ids[1] != ids[2]);
}

#[tokio::test]
async fn sso_and_oauth_logins_route_like_any_other() {
    let app = spawn_app().await;
    let (required_org, _) = app.org_with_member(REQUIRED, "idp@example.com").await;
    let (optional_org, _) = app.org_with_member(OPTIONAL, "idp@example.com").await;

    // Tokens from the mock's stand-in identity providers, as after the IdP round trip.
    let sso = app
        .control
        .sso_token(&required_org, "idp@example.com")
        .await
        .unwrap();
    let oauth = app
        .control
        .oauth_token(&optional_org, "idp@example.com", OauthProvider::Google)
        .await
        .unwrap();

    expect_enroll(&app.service.login_with_sso(sso.into()).await.unwrap());
    let signed_in = expect_signed_in(app.service.login_with_oauth(oauth.into()).await.unwrap());
    app.assert_session_is_live(&signed_in).await;
}

#[tokio::test]
async fn exchanging_a_session_into_an_org_that_requires_mfa_asks_for_enrollment() {
    let app = spawn_app().await;
    let (optional_org, _) = app.org_with_member(OPTIONAL, "multi@example.com").await;
    let (required_org, _) = app.org_with_member(REQUIRED, "multi@example.com").await;
    let signed_in = expect_signed_in(
        app.login_with_magic_link(&optional_org, "multi@example.com")
            .await
            .unwrap(),
    );

    let step = app
        .service
        .exchange_session(signed_in.session_token, &required_org)
        .await
        .unwrap();

    let LoginStep::Enroll(prompt) = step else {
        panic!("expected enrollment, got {step:?}")
    };
    assert_ne!(prompt.flow_id, signed_in.flow_id);
}
