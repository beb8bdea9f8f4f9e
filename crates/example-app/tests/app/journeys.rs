//! Every flow of the seed guide, through the app's pages over HTTP.

use mock_control::MessageKind;

use crate::helpers::*;

const ALICE_PHONE: &str = "+14155552671";

#[tokio::test]
async fn returning_sms_member_lands_on_code_entry_with_the_code_already_sent() {
    // Arrange
    let app = spawn_app().await;
    let tab = app.tab();

    // Act
    let login = tab
        .login(&app.org_id("Acme Corp"), "alice@acme.example")
        .await;
    let challenge = tab.follow(&login).await;
    let code = app.sms_code(ALICE_PHONE).await;
    let done = tab.submit_code(&code).await;
    let home = tab.follow(&done).await;

    // Assert
    login.assert_redirect("/challenge?purpose=login&notice=sms-sent");
    assert!(
        challenge.body.contains("id=\"sms-sent\""),
        "{}",
        challenge.body
    );
    done.assert_redirect("/home?notice=signed-in");
    assert_eq!(
        text_by_id(&home.body, "org-home").as_deref(),
        Some("Acme Corp")
    );
    assert_eq!(
        text_by_id(&home.body, "member-email").as_deref(),
        Some("alice@acme.example")
    );
}

#[tokio::test]
async fn required_enrollment_offers_only_allowed_methods() {
    let app = spawn_app().await;

    let carol = app.tab();
    let page = carol
        .follow(
            &carol
                .login(&app.org_id("Acme Corp"), "carol@acme.example")
                .await,
        )
        .await;
    assert!(page.body.contains("id=\"choose-sms\"") && page.body.contains("id=\"choose-totp\""));

    let erin = app.tab();
    let page = erin
        .follow(
            &erin
                .login(&app.org_id("Initech"), "erin@initech.example")
                .await,
        )
        .await;
    assert!(
        !page.body.contains("id=\"choose-sms\""),
        "TOTP-only org offers SMS"
    );
    assert!(page.body.contains("id=\"choose-totp\""));
}

#[tokio::test]
async fn sms_enrollment_then_the_next_login_is_challenged() {
    // Arrange
    let app = spawn_app().await;
    let tab = app.tab();
    let acme = app.org_id("Acme Corp");
    tab.login(&acme, "carol@acme.example").await;

    // Act
    let sent = tab
        .post("/enroll/sms", &[("phone", "+1 415 555 0100")])
        .await;
    let code_page = tab.follow(&sent).await;
    let code = app.sms_code("+14155550100").await;
    let done = tab.post("/enroll/confirm", &[("code", &code)]).await;
    let home = tab.follow(&done).await;
    tab.post("/logout", &[]).await;
    let again = tab.login(&acme, "carol@acme.example").await;

    // Assert
    sent.assert_redirect("/enroll?notice=sms-sent");
    assert!(
        code_page.body.contains("+14155550100"),
        "{}",
        code_page.body
    );
    done.assert_redirect("/home?notice=enrolled");
    assert!(
        home.body.contains("SMS: <strong>on</strong>"),
        "{}",
        home.body
    );
    again.assert_redirect("/challenge?purpose=login&notice=sms-sent");
}

#[tokio::test]
async fn totp_enrollment_shows_secret_and_recovery_codes_once_and_a_recovery_code_signs_in() {
    // Arrange
    let app = spawn_app().await;
    let tab = app.tab();
    let initech = app.org_id("Initech");
    tab.login(&initech, "erin@initech.example").await;

    // Act
    let setup = tab.post("/enroll/totp", &[]).await;
    let code = app.totp_code("Initech", "erin@initech.example").await;
    let done = tab.post("/enroll/confirm", &[("code", &code)]).await;
    tab.post("/logout", &[]).await;
    let login = tab.login(&initech, "erin@initech.example").await;
    let challenge = tab.follow(&login).await;
    let recovery = code_texts(&setup.body, "recovery-code");
    let recovered = tab
        .post(
            "/challenge/recovery",
            &[("code", &recovery[0]), ("purpose", "login")],
        )
        .await;

    // Assert
    assert_eq!(setup.status, 200);
    assert!(
        setup.body.contains("id=\"totp-qr\" src=\"data:image"),
        "{}",
        setup.body
    );
    assert!(text_by_id(&setup.body, "totp-secret").is_some_and(|s| s.len() >= 16));
    assert!(!recovery.is_empty(), "{}", setup.body);
    done.assert_redirect("/home?notice=enrolled");
    login.assert_redirect("/challenge?purpose=login");
    assert!(challenge.body.contains("Use a recovery code"));
    recovered.assert_redirect("/home");
}

#[tokio::test]
async fn magic_link_then_optional_enrollment_as_default_then_the_next_login_is_challenged() {
    // Arrange
    let app = spawn_app().await;
    let tab = app.tab();
    let globex = app.org_id("Globex");

    // Act: the magic link.
    let sent = tab
        .post(
            "/login/magic-link",
            &[
                ("organization_id", &globex),
                ("email", "dave@globex.example"),
            ],
        )
        .await;
    let email = app
        .email("dave@globex.example", MessageKind::MagicLinkLogin)
        .await;
    let token = email.token.unwrap();
    let dashboard = tab.get("/_mock/ui").await;
    let callback = tab
        .get(&format!(
            "/authenticate?stytch_token_type=multi_tenant_magic_links&token={token}"
        ))
        .await;
    let home = tab.follow(&callback).await;
    // Optional enrollment, required at login from now on, as the default.
    let begin = tab
        .post("/home/enroll", &[("require_at_login", "on")])
        .await;
    let choose = tab.follow(&begin).await;
    tab.post("/enroll/sms", &[("phone", "+14155550199")]).await;
    let code = app.sms_code("+14155550199").await;
    let done = tab
        .post(
            "/enroll/confirm",
            &[("code", &code), ("make_default", "on")],
        )
        .await;
    let home_after = tab.follow(&done).await;
    tab.post("/logout", &[]).await;
    let again = tab.login(&globex, "dave@globex.example").await;

    // Assert
    assert_eq!(sent.status, 200);
    let port = app.url.rsplit(':').next().unwrap();
    let link = format!(
        "class=\"magic-link\" href=\"http://localhost:{port}/authenticate?stytch_token_type=multi_tenant_magic_links&amp;token="
    );
    assert!(
        dashboard.body.contains(&link),
        "the emailed link opens this app: {}",
        dashboard.body
    );
    assert!(
        sent.body.contains("href=\"/_mock/ui\""),
        "check-your-email links the dashboard"
    );
    callback.assert_redirect("/home");
    assert!(home.body.contains("Globex") && home.body.contains("id=\"add-factor-form\""));
    assert!(choose.body.contains("id=\"choose-sms\""));
    done.assert_redirect("/home?notice=enrolled");
    assert!(
        home_after.body.contains("(+14155550199) — default"),
        "{}",
        home_after.body
    );
    again.assert_redirect("/challenge?purpose=login&notice=sms-sent");
}

#[tokio::test]
async fn step_up_asks_for_the_second_factor_and_changes_no_enrollment() {
    // Arrange
    let app = spawn_app().await;
    let tab = app.tab();
    let acme = app.org_id("Acme Corp");
    tab.login(&acme, "alice@acme.example").await;
    tab.submit_code(&app.sms_code(ALICE_PHONE).await).await;
    let before = app
        .stytch()
        .members_get_by_email(&acme, "alice@acme.example")
        .await
        .unwrap();

    // Act
    let step_up = tab.post("/home/step-up", &[]).await;
    let challenge = tab.follow(&step_up).await;
    let code = app.sms_code(ALICE_PHONE).await;
    let done = tab
        .post(
            "/challenge/code",
            &[("code", &code), ("purpose", "step-up")],
        )
        .await;
    let home = tab.follow(&done).await;

    // Assert
    step_up.assert_redirect("/challenge?purpose=step-up&notice=sms-sent");
    assert!(challenge.body.contains("Confirm with your second factor"));
    done.assert_redirect("/home?notice=stepped-up");
    assert!(home.body.contains("the sensitive action is done"));
    let after = app
        .stytch()
        .members_get_by_email(&acme, "alice@acme.example")
        .await
        .unwrap();
    assert_eq!(
        (
            after.member.mfa_enrolled,
            after.member.totp_registration_id,
            after.member.default_mfa_method
        ),
        (
            before.member.mfa_enrolled,
            before.member.totp_registration_id,
            before.member.default_mfa_method
        )
    );
}

#[tokio::test]
async fn a_wrong_code_shows_an_error_and_the_right_one_still_works() {
    // Arrange
    let app = spawn_app().await;
    let tab = app.tab();
    tab.login(&app.org_id("Acme Corp"), "alice@acme.example")
        .await;

    // Act
    let wrong = tab.submit_code("000000").await;
    let retry_page = tab.follow(&wrong).await;
    let right = tab.submit_code(&app.sms_code(ALICE_PHONE).await).await;

    // Assert
    wrong.assert_redirect("/challenge?purpose=login&notice=wrong-code");
    assert!(retry_page.body.contains("That code is not right"));
    assert!(
        retry_page.body.contains("4 attempts left"),
        "{}",
        retry_page.body
    );
    right.assert_redirect("/home");
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let app = spawn_app().await;
    let tab = app.tab();
    tab.login(&app.org_id("Globex"), "dave@globex.example")
        .await;
    let out = tab.post("/logout", &[]).await;
    out.assert_redirect("/login?notice=signed-out");
    assert_eq!(tab.cookie("mfa_flow"), None);
    tab.get("/home").await.assert_redirect("/login");
}
