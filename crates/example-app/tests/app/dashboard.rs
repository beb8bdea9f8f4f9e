//! The mock dashboard on the app's origin: the proxy adds the mock's credentials, passes the
//! dashboard's own form posts through, and refuses cross-site POSTs.

use crate::helpers::*;

#[tokio::test]
async fn the_dashboard_shows_the_sms_code_through_the_apps_origin() {
    // Arrange
    let app = spawn_app().await;
    let tab = app.tab();
    tab.login(&app.org_id("Acme Corp"), "alice@acme.example")
        .await;
    let code = app.sms_code("+14155552671").await;

    // Act
    let direct = reqwest::get(format!("{}/_mock/ui", app.mock_url))
        .await
        .unwrap();
    let proxied = tab.get("/_mock/ui").await;

    // Assert
    assert_eq!(direct.status(), 401, "the mock itself wants credentials");
    assert_eq!(proxied.status, 200, "{proxied:?}");
    assert!(
        code_texts(&proxied.body, "otp-code").contains(&code),
        "{}",
        proxied.body
    );
}

#[tokio::test]
async fn the_dashboards_clock_form_posts_through_the_proxy() {
    let app = spawn_app().await;
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/_mock/ui/clock", app.url))
        .header("origin", app.url.clone())
        .form(&[("minutes", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/_mock/ui");
}

#[tokio::test]
async fn a_cross_site_post_to_the_dashboard_is_refused() {
    let app = spawn_app().await;
    let resp = reqwest::Client::new()
        .post(format!("{}/_mock/ui/reset", app.url))
        .header("origin", "http://evil.example")
        .form(&[("confirm", "yes")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}
