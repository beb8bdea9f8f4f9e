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

/// The `data-version` of the dashboard's live region.
fn live_version(html: &str) -> u64 {
    let at = html.find("data-version=\"").expect("live region") + 14;
    html[at..].split('"').next().unwrap().parse().unwrap()
}

/// Read `stream` until a `change` event arrives, for at most `wait`.
async fn change_event(stream: &mut reqwest::Response, wait: std::time::Duration) -> bool {
    let mut seen = String::new();
    tokio::time::timeout(wait, async {
        while let Some(chunk) = stream.chunk().await.unwrap() {
            seen.push_str(std::str::from_utf8(&chunk).unwrap());
            if seen.contains("event: change\n") {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false)
}

#[tokio::test]
async fn the_dashboards_event_stream_passes_the_proxy_as_it_happens() {
    // Arrange: the stream opened through the app, at the version the page showed
    let app = spawn_app().await;
    let page = app.tab().get("/_mock/ui").await;
    let open = reqwest::get(format!(
        "{}/_mock/ui/events?since={}",
        app.url,
        live_version(&page.body)
    ));
    // A buffering proxy would send no head at all until the (endless) stream ended.
    let mut stream = tokio::time::timeout(std::time::Duration::from_secs(5), open)
        .await
        .expect("the stream's head passes the proxy at once")
        .unwrap();
    assert_eq!(stream.headers()["content-type"], "text/event-stream");
    let quiet = change_event(&mut stream, std::time::Duration::from_millis(300)).await;

    // Act: a request to the mock from outside (the stream is still open, its answer unfinished)
    app.control().faults().await.unwrap();

    // Assert: the event arrives while the response goes on (a buffering proxy would hold it)
    assert!(!quiet, "no change yet, no event");
    assert!(
        change_event(&mut stream, std::time::Duration::from_secs(2)).await,
        "the event reached the client within 2 s"
    );
    // And a listening tab does not keep the app from stopping (the restart awaits the stop).
    let restarted = tokio::time::timeout(std::time::Duration::from_secs(20), app.restart()).await;
    assert!(
        restarted.is_ok(),
        "the app did not stop while a dashboard listened"
    );
}
