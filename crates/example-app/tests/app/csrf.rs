//! Every POST form is refused without the token bound to the browser's CSRF cookie.

use crate::helpers::*;

#[tokio::test]
async fn a_post_without_the_token_is_refused_and_with_it_accepted() {
    // Arrange
    let app = spawn_app().await;
    let tab = app.tab();
    let org = app.org_id("Globex");
    let form = [
        ("organization_id", org.as_str()),
        ("email", "dave@globex.example"),
        ("password", example_app::seed::DEMO_PASSWORD),
    ];
    tab.get("/login").await;

    // Act
    let without = tab.post_raw("/login/password", &form).await;
    let mut forged = vec![("csrf", "00".repeat(32))];
    forged.extend(form.iter().map(|(k, v)| (*k, v.to_string())));
    let forged: Vec<(&str, &str)> = forged.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let wrong = tab.post_raw("/login/password", &forged).await;
    let right = tab.post("/login/password", &form).await;

    // Assert
    assert_eq!(without.status, 403, "{without:?}");
    assert!(
        without.body.contains("This form has expired"),
        "{}",
        without.body
    );
    without.assert_friendly();
    assert_eq!(wrong.status, 403);
    right.assert_redirect("/home");
}

#[tokio::test]
async fn a_token_from_another_browser_does_not_work() {
    // Arrange: the attacker's own valid token, replayed with the victim's cookie.
    let app = spawn_app().await;
    let victim = app.tab();
    let attacker = app.tab();
    victim.get("/login").await;
    let attackers_token = attacker.csrf().await;

    // Act
    let page = victim
        .post_raw("/logout", &[("csrf", attackers_token.as_str())])
        .await;

    // Assert
    assert_eq!(page.status, 403);
}

#[tokio::test]
async fn the_cookies_are_http_only_and_same_site() {
    let app = spawn_app().await;
    let resp = reqwest::get(format!("{}/login", app.url)).await.unwrap();
    let set: Vec<_> = resp
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(
        set.iter().any(|c| c.starts_with("mfa_csrf=")
            && c.contains("HttpOnly")
            && c.contains("SameSite=Lax")),
        "{set:?}"
    );
    let tab = app.tab();
    tab.login(&app.org_id("Globex"), "dave@globex.example")
        .await;
    let flow = tab.cookie("mfa_flow").expect("flow cookie");
    assert_eq!(flow.len(), 36, "a UUID v4: {flow}");
}
