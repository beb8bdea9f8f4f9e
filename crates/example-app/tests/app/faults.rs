//! Issue 18, item 2: the mock's faults on the Stytch calls behind the app's login pages (SMS
//! code, resend, TOTP code, magic-link callback). Each case shows the page the member sees —
//! its status, `Retry-After`, sentence and way forward — and that the login completes once
//! the fault is cleared, by Retry or, where Stytch may have spent the code or link, by the
//! recovery the page names.

use std::time::Duration;

use mock_control::{FaultAction, FaultRule, MessageKind};

use crate::helpers::*;

const ALICE: &str = "alice@acme.example";
const ALICE_PHONE: &str = "+14155552671";
const BOB: &str = "bob@acme.example";
const SMS_AUTH: &str = "/v1/b2b/otps/sms/authenticate";
const SMS_SEND: &str = "/v1/b2b/otps/sms/send";
const TOTP_AUTH: &str = "/v1/b2b/totp/authenticate";
const LINK_AUTH: &str = "/v1/b2b/magic_links/authenticate";
const CHALLENGE: &str = "/challenge?purpose=login";

fn error_500() -> FaultAction {
    FaultAction::Error {
        error_type: "internal_server_error".into(),
        status: None,
        error_message: None,
    }
}

async fn fault(app: &TestApp, path: &str, action: FaultAction) {
    app.control()
        .add_fault(&FaultRule::new(path, action))
        .await
        .expect("fault added");
}

/// Remove the one rule, checking the faulted request really hit it.
async fn clear(app: &TestApp) {
    let faults = app.control().faults().await.expect("faults");
    assert_eq!(faults.iter().map(|f| f.hits).collect::<Vec<_>>(), [1]);
    assert_eq!(app.control().clear_faults().await.expect("cleared"), 1);
}

/// `href` of the link with this id, HTML-unescaped (minijinja writes `/` as `&#x2f;`).
fn href(html: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}\" href=\"");
    let at = html.find(&marker)? + marker.len();
    let raw = &html[at..at + html[at..].find('"')?];
    Some(raw.replace("&#x2f;", "/").replace("&amp;", "&"))
}

/// The text of the page's notice banner.
fn notice(html: &str) -> Option<String> {
    let marker = "id=\"notice\" role=\"status\">";
    let at = html.find(marker)? + marker.len();
    Some(html[at..at + html[at..].find('<')?].to_owned())
}

/// Signed in as alice, on the SMS challenge page (the code was sent at login).
async fn alice_at_the_challenge(app: &TestApp) -> Tab {
    let tab = app.tab();
    let login = tab.login(&app.org_id("Acme Corp"), ALICE).await;
    login.assert_redirect("/challenge?purpose=login&notice=sms-sent");
    tab
}

#[track_caller]
fn assert_signed_in(page: &Page) {
    page.assert_redirect("/home?notice=signed-in");
}

/// What the member sees for a fault answered at once: status, header, title and Retry link.
struct Shown {
    action: FaultAction,
    status: u16,
    retry_after: Option<&'static str>,
    title: &'static str,
}

fn answered_faults() -> [Shown; 2] {
    [
        Shown {
            action: FaultAction::TooManyRequests,
            status: 429,
            retry_after: Some("60"),
            title: "Too many attempts at Stytch",
        },
        Shown {
            action: error_500(),
            status: 503,
            retry_after: None,
            title: "Stytch is not answering",
        },
    ]
}

#[track_caller]
fn assert_shown(page: &Page, shown: &Shown, retry: &str) {
    assert_eq!(page.status, shown.status, "{}", page.body);
    assert_eq!(page.retry_after.as_deref(), shown.retry_after);
    assert_eq!(
        text_by_id(&page.body, "error-title").as_deref(),
        Some(shown.title)
    );
    assert!(page.body.contains("Your sign-in is kept"), "{}", page.body);
    assert_eq!(href(&page.body, "retry-link").as_deref(), Some(retry));
    page.assert_friendly();
}

#[tokio::test]
async fn a_rate_limited_or_failing_code_check_offers_retry_and_the_same_code_then_signs_in() {
    for shown in answered_faults() {
        let app = spawn_app().await;
        let tab = alice_at_the_challenge(&app).await;
        let code = app.sms_code(ALICE_PHONE).await;

        fault(&app, SMS_AUTH, shown.action.clone()).await;
        let page = tab.submit_code(&code).await;
        clear(&app).await;

        assert_shown(&page, &shown, CHALLENGE);
        // Retry: the challenge page again (the flow was kept), then the same code.
        let again = tab.get(CHALLENGE).await;
        assert_eq!(again.status, 200, "{}", again.body);
        assert!(again.body.contains("5 attempts left"), "{}", again.body);
        assert_signed_in(&tab.submit_code(&code).await);
    }
}

#[tokio::test]
async fn a_failing_resend_offers_retry_and_the_resend_then_works() {
    for shown in answered_faults() {
        let app = spawn_app().await;
        let tab = alice_at_the_challenge(&app).await;
        let resend = [("method", "sms_otp"), ("purpose", "login")];

        fault(&app, SMS_SEND, shown.action.clone()).await;
        let page = tab.post("/challenge/method", &resend).await;
        clear(&app).await;

        assert_shown(&page, &shown, CHALLENGE);
        tab.post("/challenge/method", &resend)
            .await
            .assert_redirect("/challenge?purpose=login&notice=sms-sent");
        let code = app.sms_code(ALICE_PHONE).await;
        assert_signed_in(&tab.submit_code(&code).await);
    }
}

/// The page after a code whose answer never came: back at the challenge, asking for a new one
/// (with the resend button for SMS; a TOTP app shows the next code by itself).
async fn assert_code_unconfirmed(tab: &Tab, page: &Page, sms: bool) {
    page.assert_redirect("/challenge?purpose=login&notice=code-unconfirmed");
    let shown = tab.follow(page).await;
    assert_eq!(shown.status, 200);
    let notice = notice(&shown.body).unwrap_or_default();
    assert!(
        notice.starts_with("We could not confirm your code") && notice.contains("new code"),
        "{notice}"
    );
    let resend = shown.body.contains("id=\"resend-button\"");
    assert_eq!(resend, sms, "{}", shown.body);
}

#[tokio::test]
async fn a_dropped_or_timed_out_code_check_asks_for_a_new_code_which_signs_in() {
    // `delay` past the app's Stytch timeout is a timeout; the handler would run later.
    let cases = [
        (FaultAction::Drop, Duration::from_secs(10)),
        (FaultAction::Delay { ms: 8000 }, Duration::from_millis(1500)),
    ];
    for (action, timeout) in cases {
        let app = spawn_app_with_stytch_timeout(timeout).await;
        let tab = alice_at_the_challenge(&app).await;
        let code = app.sms_code(ALICE_PHONE).await;

        fault(&app, SMS_AUTH, action).await;
        let page = tab.submit_code(&code).await;
        clear(&app).await;

        assert_code_unconfirmed(&tab, &page, true).await;
        tab.post(
            "/challenge/method",
            &[("method", "sms_otp"), ("purpose", "login")],
        )
        .await
        .assert_redirect("/challenge?purpose=login&notice=sms-sent");
        let new_code = app.sms_code(ALICE_PHONE).await;
        assert_signed_in(&tab.submit_code(&new_code).await);
    }
}

#[tokio::test]
async fn a_lost_answer_on_a_code_asks_for_a_new_code_and_then_a_new_sign_in() {
    let app = spawn_app().await;
    let tab = alice_at_the_challenge(&app).await;
    let code = app.sms_code(ALICE_PHONE).await;

    fault(&app, SMS_AUTH, FaultAction::LoseAnswer).await;
    let page = tab.submit_code(&code).await;
    clear(&app).await;

    assert_code_unconfirmed(&tab, &page, true).await;
    // Stytch spent the sign-in on a session the app never got: the new code cannot be sent.
    let resend = tab
        .post(
            "/challenge/method",
            &[("method", "sms_otp"), ("purpose", "login")],
        )
        .await;
    assert_eq!(resend.status, 410, "{}", resend.body);
    assert_eq!(
        text_by_id(&resend.body, "error-title").as_deref(),
        Some("Your sign-in has expired")
    );
    // A new sign-in completes with its new code; the spent one is not accepted a second time.
    let tab = alice_at_the_challenge(&app).await;
    tab.submit_code(&code)
        .await
        .assert_redirect("/challenge?purpose=login&notice=wrong-code");
    let new_code = app.sms_code(ALICE_PHONE).await;
    assert_signed_in(&tab.submit_code(&new_code).await);
}

#[tokio::test]
async fn a_lost_answer_on_a_totp_code_then_a_new_sign_in_with_the_next_code() {
    let app = spawn_app().await;
    let tab = app.tab();
    tab.login(&app.org_id("Acme Corp"), BOB)
        .await
        .assert_redirect(CHALLENGE);
    let code = app.totp_code("Acme Corp", BOB).await;

    fault(&app, TOTP_AUTH, FaultAction::LoseAnswer).await;
    let page = tab.submit_code(&code).await;
    clear(&app).await;

    assert_code_unconfirmed(&tab, &page, false).await;
    app.control().advance_clock(30).await.expect("clock");
    let next = app.totp_code("Acme Corp", BOB).await;
    let refused = tab.submit_code(&next).await;
    assert_eq!(refused.status, 410, "{}", refused.body);
    let tab = app.tab();
    tab.login(&app.org_id("Acme Corp"), BOB)
        .await
        .assert_redirect(CHALLENGE);
    assert_signed_in(&tab.submit_code(&next).await);
}

#[tokio::test]
async fn a_faulted_magic_link_offers_retry_of_the_link_and_a_spent_one_asks_for_a_new_link() {
    let cases = [
        (
            FaultAction::TooManyRequests,
            429,
            "Too many attempts at Stytch",
        ),
        (error_500(), 503, "Stytch is not answering"),
        (FaultAction::Drop, 503, "Stytch did not answer"),
        (FaultAction::LoseAnswer, 503, "Stytch did not answer"),
    ];
    for (action, status, title) in cases {
        let lost = action == FaultAction::LoseAnswer;
        let app = spawn_app().await;
        let tab = app.tab();
        let (globex, dave) = (app.org_id("Globex"), "dave@globex.example");
        let link = magic_link(&app, &tab, &globex, dave).await;

        fault(&app, LINK_AUTH, action).await;
        let page = tab.get(&link).await;
        clear(&app).await;

        assert_eq!(page.status, status, "{}", page.body);
        assert_eq!(
            text_by_id(&page.body, "error-title").as_deref(),
            Some(title)
        );
        // Retry is this same link again (an empty href: the token is not echoed).
        assert_eq!(href(&page.body, "retry-link").as_deref(), Some(""));
        page.assert_friendly();
        let retried = tab.get(&link).await;
        if lost {
            assert_eq!(retried.status, 410, "{}", retried.body);
            assert_eq!(
                text_by_id(&retried.body, "error-title").as_deref(),
                Some("This link no longer works")
            );
            let new_link = magic_link(&app, &tab, &globex, dave).await;
            assert_signed_in(&tab.get(&new_link).await);
        } else {
            assert_signed_in(&retried);
        }
    }
}

/// Ask for a sign-in link on the page and return the callback path from the email.
async fn magic_link(app: &TestApp, tab: &Tab, org: &str, email: &str) -> String {
    tab.post(
        "/login/magic-link",
        &[("organization_id", org), ("email", email)],
    )
    .await;
    let token = app
        .email(email, MessageKind::MagicLinkLogin)
        .await
        .token
        .expect("a token");
    format!("/authenticate?stytch_token_type=multi_tenant_magic_links&token={token}")
}
