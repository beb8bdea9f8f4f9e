//! The dashboard at `/_mock/ui`: what it shows (snapshot with seeded, frozen data), the stable
//! hooks the example app's browser tests read, the browser auth challenge, the clock and reset
//! forms, and HTML escaping of stored values.

use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use mock_stytch::dashboard::html::escape;
use serde_json::{Value, json};

use crate::helpers::{TestMock, assert_error, spawn_frozen};
use crate::mfa_helpers::{enroll_sms, enroll_totp, last_sms_code, totp_code};

const EVIL: &str = "<script>alert('x')</script>";

/// A client that does not follow redirects (the forms answer 303).
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn page(mock: &TestMock) -> String {
    let resp = mock
        .http
        .get(mock.url("/_mock/ui"))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(resp.headers()["cache-control"], "no-store");
    resp.text().await.unwrap()
}

/// POST a form to a dashboard path with credentials; returns (status, Location, body).
async fn post_form(
    mock: &TestMock,
    path: &str,
    form: &'static str,
    ct: &str,
) -> (u16, Option<String>, String) {
    let resp = no_redirects()
        .post(mock.url(path))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .header("content-type", ct)
        .body(form)
        .send()
        .await
        .unwrap();
    let location = resp
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_owned());
    (resp.status().as_u16(), location, resp.text().await.unwrap())
}

/// Two organizations (REQUIRED_FOR_ALL restricted to TOTP; OPTIONAL), members with SMS, TOTP and
/// a hostile name, a magic link with a redirect URL, an SMS code, sessions.
async fn seeded() -> (TestMock, Value) {
    let mock = spawn_frozen().await;
    let strict = mock
        .create_org("Strict <Corp>", "strict", json!({"mfa_policy": "REQUIRED_FOR_ALL", "mfa_methods": "RESTRICTED", "allowed_mfa_methods": ["totp"]}))
        .await;
    let open = mock
        .create_org("Open & Co", "open", json!({"mfa_policy": "OPTIONAL"}))
        .await;
    let (strict_id, open_id) = (
        strict["organization_id"].as_str().unwrap(),
        open["organization_id"].as_str().unwrap(),
    );
    let tess = mock
        .create_member(strict_id, "tess@strict.test", json!({"name": "Tess"}))
        .await;
    let sam = mock
        .create_member(open_id, "sam@open.test", json!({"name": EVIL}))
        .await;
    let (tess_id, sam_id) = (
        tess["member_id"].as_str().unwrap(),
        sam["member_id"].as_str().unwrap(),
    );
    enroll_totp(&mock, strict_id, tess_id).await;
    enroll_sms(&mock, open_id, sam_id).await;
    mock.ok_post(
        "/v1/b2b/magic_links/email/login_or_signup",
        json!({"organization_id": open_id, "email_address": "sam@open.test", "login_redirect_url": "http://app.test/callback?next=/home"}),
    )
    .await;
    let facts = json!({
        "strict": strict_id, "open": open_id, "tess": tess_id, "sam": sam_id,
        "totp": totp_code(&mock, strict_id, tess_id).await,
        "sms": last_sms_code(&mock, sam_id).await,
        "link_token": mock.outbox(&format!("member_id={sam_id}&channel=email")).await[0]["token"].clone(),
    });
    (mock, facts)
}

#[tokio::test]
async fn the_page_shows_every_section_with_the_documented_hooks() {
    // Arrange
    let (mock, f) = seeded().await;

    // Act
    let html = page(&mock).await;

    // Assert: the hooks the example app reads
    let sms_row = "<tr class=\"outbox-row\" data-kind=\"sms\" data-to=\"+14155552671\" data-message-kind=\"sms_otp\">";
    assert!(html.contains(sms_row), "{html}");
    assert!(
        html.contains(&format!(
            "<code class=\"otp-code\">{}</code>",
            f["sms"].as_str().unwrap()
        )),
        "{html}"
    );
    let token = f["link_token"].as_str().unwrap();
    let enc: String = token
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let link = format!(
        "http://app.test/callback?next=/home&stytch_token_type=multi_tenant_magic_links&token={enc}"
    );
    assert!(
        html.contains(&format!(
            "<a class=\"magic-link\" href=\"{}\">",
            escape(&link)
        )),
        "{html}"
    );
    assert!(
        html.contains("<tr class=\"outbox-row\" data-kind=\"email\" data-to=\"sam@open.test\""),
        "{html}"
    );
    let totp = format!(
        "<code class=\"totp-code\" data-member-email=\"tess@strict.test\" data-member-id=\"{}\" data-organization-id=\"{}\">{}</code>",
        f["tess"].as_str().unwrap(),
        f["strict"].as_str().unwrap(),
        f["totp"].as_str().unwrap()
    );
    assert!(html.contains(&totp), "{html}");
    for form in [
        "<form method=\"post\" action=\"/_mock/ui/clock\"><input type=\"hidden\" name=\"minutes\" value=\"1\">",
        "<form method=\"post\" action=\"/_mock/ui/clock\"><input type=\"hidden\" name=\"minutes\" value=\"10\">",
        "<form method=\"post\" action=\"/_mock/ui/reset\">",
    ] {
        assert!(html.contains(form), "{form}");
    }
    // The whole page, for review of everything else (policies, factors, sessions, clock).
    insta::assert_snapshot!("dashboard_page", html);
}

#[tokio::test]
async fn stored_values_are_escaped() {
    let (mock, _) = seeded().await;
    let html = page(&mock).await;
    assert!(!html.contains(EVIL), "a member name was rendered as markup");
    assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(html.contains("Strict &lt;Corp&gt;") && html.contains("Open &amp; Co"));
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the page's own script"
    );
}

#[tokio::test]
async fn missing_or_wrong_credentials_get_a_browser_challenge() {
    let mock = spawn_frozen().await;
    for (method, path) in [
        ("GET", "/_mock/ui"),
        ("POST", "/_mock/ui/clock"),
        ("POST", "/_mock/ui/reset"),
    ] {
        for secret in [None, Some("wrong")] {
            let mut req = no_redirects().request(method.parse().unwrap(), mock.url(path));
            if let Some(s) = secret {
                req = req.basic_auth(DEFAULT_PROJECT_ID, Some(s));
            }
            let resp = req
                .header("content-type", "application/x-www-form-urlencoded")
                .body("minutes=1")
                .send()
                .await
                .unwrap();
            let status = resp.status().as_u16();
            assert_eq!(
                resp.headers()["www-authenticate"],
                "Basic realm=\"mock-stytch\"",
                "{method} {path}"
            );
            assert_error(
                &(status, resp.json().await.unwrap()),
                401,
                "unauthorized_credentials",
            );
        }
    }
    assert_eq!(
        mock.server.state.clock.offset(),
        0,
        "an unauthenticated form changed nothing"
    );
    // The API itself does not challenge: SDKs are not browsers.
    let resp = mock
        .http
        .get(mock.url("/_mock/outbox"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().get("www-authenticate").is_none());
}

#[tokio::test]
async fn the_clock_forms_advance_the_virtual_clock_and_redirect_back() {
    let mock = spawn_frozen().await;
    const FORM: &str = "application/x-www-form-urlencoded";
    assert_eq!(
        post_form(&mock, "/_mock/ui/clock", "minutes=1", FORM)
            .await
            .0,
        303
    );
    let (status, location, _) = post_form(&mock, "/_mock/ui/clock", "minutes=10", FORM).await;
    assert_eq!((status, location.as_deref()), (303, Some("/_mock/ui")));
    let clock = mock.ok_get("/_mock/clock").await;
    assert_eq!(
        (clock["offset_seconds"].as_i64(), clock["now"].as_str()),
        (Some(660), Some("2030-01-01T00:11:00Z"))
    );
    assert!(
        page(&mock)
            .await
            .contains("<time class=\"virtual-now\" datetime=\"2030-01-01T00:11:00Z\">")
    );

    for bad in [
        "minutes=0",
        "minutes=-5",
        "minutes=abc",
        "minutes=99999999",
        "other=1",
    ] {
        let (status, _, text) = post_form(&mock, "/_mock/ui/clock", bad, FORM).await;
        assert_error(
            &(status, serde_json::from_str(&text).unwrap()),
            400,
            "invalid_argument",
        );
    }
    let (status, _, text) = post_form(
        &mock,
        "/_mock/ui/clock",
        "{\"minutes\": 1}",
        "application/json",
    )
    .await;
    assert_error(
        &(status, serde_json::from_str(&text).unwrap()),
        415,
        "invalid_content_type",
    );
    assert_eq!(
        mock.ok_get("/_mock/clock").await["offset_seconds"],
        660,
        "refused forms moved nothing"
    );
}

#[tokio::test]
async fn the_reset_form_wipes_data_and_redirects_back() {
    let (mock, f) = seeded().await;
    mock.advance_clock(120).await;
    let (status, location, _) = post_form(
        &mock,
        "/_mock/ui/reset",
        "",
        "application/x-www-form-urlencoded",
    )
    .await;
    assert_eq!((status, location.as_deref()), (303, Some("/_mock/ui")));
    let (status, _) = mock
        .get(&format!(
            "/v1/b2b/organizations/{}",
            f["open"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, 404);
    assert_eq!(mock.ok_get("/_mock/clock").await["offset_seconds"], 0);
    let html = page(&mock).await;
    assert!(
        !html.contains("outbox-row") && !html.contains("member-row") && !html.contains("totp-code")
    );
    assert_eq!(
        html.matches("<p class=\"empty\">None.</p>").count(),
        5,
        "{html}"
    );
}
