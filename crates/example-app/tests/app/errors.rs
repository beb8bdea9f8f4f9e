//! Failures become friendly pages: a fixed sentence and a way forward, never internals.

use crate::helpers::*;

#[tokio::test]
async fn a_wrong_password_says_so_on_the_sign_in_page() {
    let app = spawn_app().await;
    let tab = app.tab();
    let page = tab
        .post(
            "/login/password",
            &[
                ("organization_id", &app.org_id("Acme Corp")),
                ("email", "alice@acme.example"),
                ("password", "not-the-password-at-all"),
            ],
        )
        .await;
    page.assert_redirect("/login?notice=bad-credentials");
    let shown = tab.follow(&page).await;
    assert!(
        shown
            .body
            .contains("email address or password is not right")
    );
}

#[tokio::test]
async fn an_unknown_flow_is_an_expired_sign_in_and_the_cookie_is_dropped() {
    // Arrange: a well-formed flow id the store never saw.
    let app = spawn_app().await;
    let tab = app.tab();
    tab.set_cookie("mfa_flow", "0b6f8c44-5b0e-4c55-9d4a-3a8e4e0f6c11");

    // Act
    let page = tab.get("/challenge").await;

    // Assert
    assert_eq!(page.status, 410);
    assert!(
        page.body.contains("Your sign-in has expired"),
        "{}",
        page.body
    );
    page.assert_friendly();
    assert_eq!(tab.cookie("mfa_flow"), None);
}

#[tokio::test]
async fn a_bad_magic_link_and_a_bad_phone_number_are_explained() {
    // Arrange
    let app = spawn_app().await;
    let tab = app.tab();

    // Act
    let link = tab
        .get("/authenticate?stytch_token_type=multi_tenant_magic_links&token=nope")
        .await;
    let reset_link = tab
        .get("/authenticate?stytch_token_type=multi_tenant_passwords&token=nope")
        .await;
    tab.login(&app.org_id("Acme Corp"), "carol@acme.example")
        .await;
    let phone = tab.post("/enroll/sms", &[("phone", "12345")]).await;
    let shown = tab.follow(&phone).await;

    // Assert
    assert!(link.status >= 400 && link.status < 500, "{link:?}");
    link.assert_friendly();
    assert_eq!(reset_link.status, 400);
    assert!(reset_link.body.contains("This link is not for this app"));
    assert!(
        link.body.contains("<h2 id=\"error-title\">"),
        "{}",
        link.body
    );
    phone.assert_redirect("/enroll?notice=bad-phone");
    assert!(shown.body.contains("That phone number does not work"));
}

#[tokio::test]
async fn unknown_pages_and_missing_fields_are_friendly() {
    let app = spawn_app().await;
    let tab = app.tab();
    let missing = tab.get("/nope").await;
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Page not found"));
    tab.login(&app.org_id("Acme Corp"), "carol@acme.example")
        .await;
    let incomplete = tab.post("/enroll/sms", &[]).await;
    assert_eq!(incomplete.status, 400);
    assert!(incomplete.body.contains("The form was incomplete"));
    incomplete.assert_friendly();
}

#[tokio::test]
async fn a_page_for_another_state_redirects_to_where_the_flow_is() {
    // Arrange: Alice is at the SMS challenge.
    let app = spawn_app().await;
    let tab = app.tab();
    let login = tab
        .login(&app.org_id("Acme Corp"), "alice@acme.example")
        .await;
    login.assert_redirect("/challenge?purpose=login");

    // Act + Assert: the enrollment and home pages send her back to the challenge.
    tab.get("/enroll")
        .await
        .assert_redirect("/challenge?purpose=login");
    tab.get("/home")
        .await
        .assert_redirect("/challenge?purpose=login");

    // Once signed in, the challenge and enrollment pages send her home (a 303, never a 5xx).
    let code = app.sms_code("+14155552671").await;
    tab.submit_code(&code).await.assert_redirect("/home");
    tab.get("/challenge")
        .await
        .assert_redirect("/home?notice=signed-in");
    tab.get("/challenge?purpose=step-up")
        .await
        .assert_redirect("/home?notice=stepped-up");
    tab.get("/enroll")
        .await
        .assert_redirect("/home?notice=signed-in");
    assert_eq!(tab.get("/home").await.status, 200);
}
