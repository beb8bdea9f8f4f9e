//! The mock dashboard in Chromium through the app's proxy: a request made from outside the page
//! (a sign-in that texts a code) and its SMS show up within 2 s without a reload (the page's event stream), and the one-click "next SMS
//! send fails with 429" rule is listed, makes the next SMS send through the API answer 429, and
//! goes away with its remove button. The snapshot box: its download link answers the mock's
//! SQLite file on the app's origin, and its restore form brings that state back.

use std::time::{Duration, Instant};

use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use serde_json::{Value, json};

use super::Browser;

/// The bound for "the page shows it".
const LIVE_WITHIN: Duration = Duration::from_secs(2);

/// Wait up to `within` for `css` on the open page — polling the DOM, never reloading it.
async fn shows(b: &Browser, css: &str, within: Duration) {
    let start = Instant::now();
    while b.s.find_all(css).await.is_empty() {
        if start.elapsed() > within {
            panic!(
                "no {css:?} within {within:?} without a reload:\n{}",
                b.s.source().await
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// An SMS send straight to the mock's API, as a backend would make it: (status, body).
async fn sms_send(b: &Browser) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/b2b/otps/sms/send", b.app.mock_url))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .json(
            &json!({"organization_id": b.app.org_id("Acme Corp"), "member_id": "member-test-none",
                      "mfa_phone_number": "+14155552671"}),
        )
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn the_dashboard_updates_itself_and_its_429_button_fails_the_next_sms_send() {
    // Arrange: the dashboard open, its event stream connected, a marker a reload would wipe
    let mut b = Browser::start("dashboard_live").await;
    b.open("/_mock/ui").await;
    b.s.find("#live-status[data-state=\"open\"]").await;
    b.s.execute("window.notReloaded = true;").await;
    b.shot("dashboard-open").await;

    // Act 1: alice signs in elsewhere; her password login texts her a code (Stytch sends the
    // SMS of a member enrolled in SMS with the primary authentication)
    let tab = b.app.tab();
    tab.login(&b.app.org_id("Acme Corp"), "alice@acme.example")
        .await;

    // Assert 1
    shows(
        &b,
        "tr.request-row[data-method=\"POST\"][data-path=\"/v1/b2b/passwords/authenticate\"][data-status=\"200\"]",
        LIVE_WITHIN,
    )
    .await;
    shows(
        &b,
        "tr.outbox-row[data-kind=\"sms\"][data-to=\"+14155552671\"]",
        LIVE_WITHIN,
    )
    .await;
    assert_eq!(
        b.s.execute("return window.notReloaded === true;").await,
        json!(true),
        "the page was reloaded"
    );
    b.shot("live-request-and-sms").await;

    // Act 2: one click on "next SMS send fails with 429"
    b.s.click("button.fault-preset[data-preset=\"sms_send_429\"]")
        .await;
    b.s.find("tr.fault-row[data-kind=\"too_many_requests\"]")
        .await;
    b.shot("fault-listed").await;
    let (status, body) = sms_send(&b).await;
    let (after, _) = sms_send(&b).await;

    // Assert 2: the next send is the 429, the one after is not, the page shows the hit
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error_type"], "too_many_requests");
    assert_ne!(after, 429, "the rule fires once");
    shows(
        &b,
        "tr.request-row[data-path=\"/v1/b2b/otps/sms/send\"][data-status=\"429\"][data-fault-kind=\"too_many_requests\"]",
        LIVE_WITHIN,
    )
    .await;
    assert_eq!(
        b.s.text("tr.fault-row[data-kind=\"too_many_requests\"] td.fault-remaining")
            .await,
        "0"
    );
    b.shot("fault-hit").await;

    // Act 3: remove it
    b.s.click("tr.fault-row[data-kind=\"too_many_requests\"] button.fault-remove")
        .await;
    shows(&b, "#faults p.empty", Duration::from_secs(5)).await;

    // Assert 3
    assert!(b.s.find_all("tr.fault-row").await.is_empty());
    let listed = b.app.control().faults().await.expect("fault list");
    assert!(listed.is_empty(), "{listed:?}");
    b.shot("fault-removed").await;
    b.quit().await;
}

/// Wait up to 5 s for the page to have been reloaded (the marker set by `window.notReloaded =
/// true` gone).
async fn reloaded(b: &Browser) {
    let start = Instant::now();
    while b.s.execute("return window.notReloaded === true;").await == json!(true) {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the page did not reload"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_dashboards_snapshot_link_and_restore_form_bring_the_state_back() {
    // Arrange: the dashboard open, no SMS yet; the snapshot downloaded from the page's link
    let mut b = Browser::start("dashboard_restore").await;
    b.open("/_mock/ui").await;
    b.s.find("#live-status[data-state=\"open\"]").await;
    let sms = "tr.outbox-row[data-kind=\"sms\"][data-to=\"+14155552671\"]";
    assert!(
        b.s.find_all(sms).await.is_empty(),
        "no SMS before the sign-in"
    );
    let href =
        b.s.execute("return document.querySelector('a.snapshot-download').href;")
            .await;
    let href = href.as_str().expect("the link's address").to_owned();
    assert!(
        href.starts_with(&b.app.url),
        "{href} is on the app's origin"
    );
    let answer = reqwest::get(&href).await.expect("the download");
    assert!(answer.status().is_success(), "{}", answer.status());
    let bytes = answer.bytes().await.expect("the snapshot's body");
    assert!(bytes.starts_with(b"SQLite format 3\0"), "an SQLite file");
    let path = b.app.dir.path().join("dashboard-snapshot.sqlite");
    std::fs::write(&path, &bytes).expect("write the snapshot");

    // Act 1: alice signs in elsewhere after the snapshot; her SMS shows up
    let tab = b.app.tab();
    tab.login(&b.app.org_id("Acme Corp"), "alice@acme.example")
        .await;
    shows(&b, sms, LIVE_WITHIN).await;
    b.s.execute("window.notReloaded = true;").await;
    b.shot("sms-after-snapshot").await;

    // Act 2: the restore form is given the file
    let file_input = "form#restore-form input[type=file]";
    b.s.send_keys(file_input, path.to_str().expect("a UTF-8 path"))
        .await;
    b.s.click("form#restore-form button[type=submit]").await;

    // Assert: the page reloaded itself into the snapshot's state: the SMS is gone
    reloaded(&b).await;
    b.s.find("#live-status[data-state=\"open\"]").await;
    assert!(
        b.s.find_all(sms).await.is_empty(),
        "the SMS sent after the snapshot is gone"
    );
    b.shot("restored").await;
    b.quit().await;
}
