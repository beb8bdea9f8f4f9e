//! The client against an in-process mock (port 0): one test per method family, each asserting
//! what the mock did — a token read from the outbox is redeemed through the API, a clock move
//! shows in the next read, a TOTP code equals the one computed locally from the secret.

use mock_control::{
    Channel, ControlError, MessageKind, MockControl, OauthProvider, OutboxFilter, TotpStatus, totp,
};
use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use mock_stytch::{Config, MockServer};
use serde_json::{Value, json};

const PHONE: &str = "+14155550188";

struct World {
    mock: MockServer,
    control: MockControl,
    http: reqwest::Client,
}

async fn world(config: Config) -> World {
    let mock = MockServer::spawn(config).await.expect("mock starts");
    let control = MockControl::new(&mock.base_url, DEFAULT_PROJECT_ID, DEFAULT_SECRET);
    World {
        mock,
        control,
        http: reqwest::Client::new(),
    }
}

impl World {
    /// A Stytch API call with the project's credentials; the status and the JSON body.
    async fn api(&self, path: &str, body: Value) -> (u16, Value) {
        let resp = self
            .http
            .post(format!("{}{path}", self.mock.base_url))
            .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
            .json(&body)
            .send()
            .await
            .expect("the mock answers");
        (resp.status().as_u16(), resp.json().await.expect("JSON"))
    }

    /// An organization with one member (`email`, optional MFA phone): (org, member).
    async fn org_with_member(&self, slug: &str, email: &str) -> (String, String) {
        let (_, org) = self
            .api(
                "/v1/b2b/organizations",
                json!({"organization_name": slug, "organization_slug": slug}),
            )
            .await;
        let org = org["organization"]["organization_id"]
            .as_str()
            .unwrap()
            .to_owned();
        let (_, m) = self
            .api(
                &format!("/v1/b2b/organizations/{org}/members"),
                json!({"email_address": email}),
            )
            .await;
        (org, m["member_id"].as_str().unwrap().to_owned())
    }
}

#[tokio::test]
async fn outbox_helpers_read_the_newest_matching_message() {
    let w = world(Config::for_tests()).await;
    let (org, member) = w.org_with_member("outbox", "ada@outbox.example").await;

    // Two SMS to the member: the helpers see the newer one.
    let send = json!({"organization_id": org, "member_id": member, "mfa_phone_number": PHONE});
    assert_eq!(w.api("/v1/b2b/otps/sms/send", send.clone()).await.0, 200);
    let first = w.control.member_sms_code(&member).await.unwrap();
    assert_eq!(w.api("/v1/b2b/otps/sms/send", send).await.0, 200);
    let sms = w
        .control
        .outbox(&OutboxFilter::member(&member).channel(Channel::Sms))
        .await
        .unwrap();
    assert_eq!(sms.len(), 2);
    assert!(
        sms.iter()
            .all(|m| m.channel == Channel::Sms && m.kind == MessageKind::SmsOtp)
    );
    let newest = sms[0].code.clone().unwrap();
    assert_eq!(sms[1].code.as_deref(), Some(first.as_str()));
    assert_eq!(w.control.latest_sms_code(PHONE).await.unwrap(), newest);
    assert_eq!(w.control.member_sms_code(&member).await.unwrap(), newest);

    // A magic link read from the outbox logs the member in.
    let ml = json!({"organization_id": org, "email_address": "ada@outbox.example"});
    assert_eq!(
        w.api("/v1/b2b/magic_links/email/login_or_signup", ml)
            .await
            .0,
        200
    );
    let token = w
        .control
        .magic_link_token("ada@outbox.example")
        .await
        .unwrap();
    let (status, body) = w
        .api(
            "/v1/b2b/magic_links/authenticate",
            json!({"magic_links_token": token}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["member_id"], member.as_str());

    // A password-reset token, by address and by member, is the same message.
    let reset = json!({"organization_id": org, "email_address": "ada@outbox.example"});
    assert_eq!(
        w.api("/v1/b2b/passwords/email/reset/start", reset).await.0,
        200
    );
    let by_email = w
        .control
        .email_token("ada@outbox.example", MessageKind::PasswordReset)
        .await
        .unwrap();
    let by_member = w
        .control
        .member_token(&member, MessageKind::PasswordReset)
        .await
        .unwrap();
    assert_eq!(by_email, by_member);
    let latest = w
        .control
        .latest_message(&OutboxFilter::member(&member).channel(Channel::Email))
        .await
        .unwrap();
    assert_eq!(
        (latest.kind, latest.token),
        (MessageKind::PasswordReset, Some(by_email))
    );

    // Nothing for an unknown recipient: a typed error, not an empty string.
    let e = w.control.latest_sms_code("+14155550199").await.unwrap_err();
    assert!(matches!(e, ControlError::NotInOutbox { .. }), "{e:?}");
    assert_eq!(e.error_type(), "outbox_empty");
}

#[tokio::test]
async fn the_clock_moves_by_seconds_or_to_a_time() {
    let at = chrono::DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z")
        .unwrap()
        .to_utc();
    let w = world(Config {
        frozen_clock: Some(at),
        ..Config::for_tests()
    })
    .await;

    let before = w.control.clock().await.unwrap();
    assert!(before.frozen);
    assert_eq!((before.now, before.offset_seconds), (at, 0));

    let after = w.control.advance_clock(90).await.unwrap();
    assert_eq!(after.now, at + chrono::Duration::seconds(90));
    assert_eq!(after.offset_seconds, 90);
    assert_eq!(w.control.now().await.unwrap(), after.now);

    let target = at + chrono::Duration::days(2);
    assert_eq!(w.control.set_clock(target).await.unwrap().now, target);
    let back = w.control.advance_clock(-3600).await.unwrap();
    assert_eq!(back.now, target - chrono::Duration::hours(1));
}

#[tokio::test]
async fn the_totp_code_is_the_one_an_authenticator_app_computes() {
    let w = world(Config::for_tests()).await;
    let (org, member) = w.org_with_member("totp", "tim@totp.example").await;
    let (status, created) = w
        .api(
            "/v1/b2b/totp",
            json!({"organization_id": org, "member_id": member}),
        )
        .await;
    assert_eq!(status, 200, "{created}");
    let secret = created["secret"].as_str().unwrap();

    let now = w.control.now().await.unwrap().timestamp();
    let code = w.control.totp(&org, &member).await.unwrap();
    assert_eq!(code.status, TotpStatus::Pending);
    assert_eq!(
        code.totp_registration_id,
        created["totp_registration_id"].as_str().unwrap()
    );
    assert!((1..=30).contains(&code.seconds_remaining));
    // The mock's clock runs; the code may have turned over between the two reads.
    let local = [now, now + 1].map(|t| totp::code_at(secret, t).unwrap());
    assert!(local.contains(&code.code), "{} not in {local:?}", code.code);
    assert_eq!(w.control.totp_code(&org, &member).await.unwrap().len(), 6);

    // A member without a registration: the mock's refusal, typed.
    let (_, other) = w.org_with_member("totp-none", "nobody@totp.example").await;
    let e = w
        .control
        .totp_code(&other, "member-test-nope")
        .await
        .unwrap_err();
    assert!(
        matches!(e, ControlError::Refused { status: 404, .. }),
        "{e:?}"
    );
}

#[tokio::test]
async fn idp_tokens_are_redeemed_once_by_sso_and_oauth_authenticate() {
    let w = world(Config::for_tests()).await;
    let (org, member) = w.org_with_member("idp", "ida@idp.example").await;

    let sso = w.control.sso_token(&org, "ida@idp.example").await.unwrap();
    let (status, body) = w
        .api("/v1/b2b/sso/authenticate", json!({"sso_token": sso}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["member_id"], member.as_str());
    let again = w
        .api("/v1/b2b/sso/authenticate", json!({"sso_token": sso}))
        .await;
    assert_ne!(again.0, 200);

    let oidc = format!("oidc-connection-test-{}", "0".repeat(8));
    let via = w
        .control
        .sso_token_via(&org, "ida@idp.example", Some(&oidc))
        .await
        .unwrap();
    assert_eq!(via.connection_id, oidc);

    let oauth = w
        .control
        .oauth_token(&org, "ida@idp.example", OauthProvider::Google)
        .await
        .unwrap();
    let (status, body) = w
        .api("/v1/b2b/oauth/authenticate", json!({"oauth_token": oauth}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["provider_type"], "Google");
}

#[tokio::test]
async fn request_log_reset_health_and_credentials() {
    let w = world(Config::for_tests()).await;
    assert!(w.control.health().await.unwrap().ok);
    assert!(w.control.is_available().await);
    let (org, _) = w.org_with_member("log", "lou@log.example").await;

    let log = w.control.requests(10).await.unwrap();
    let newest_first: Vec<_> = log.iter().map(|r| r.path.as_str()).collect();
    let org_path = format!("/v1/b2b/organizations/{org}/members");
    assert_eq!(newest_first[0], org_path, "{newest_first:?}");
    assert!(newest_first.contains(&"/v1/b2b/organizations"));
    assert_eq!((log[0].method.as_str(), log[0].status), ("POST", 200));
    assert!(!log[0].request_id.is_empty());
    assert_eq!(w.control.requests(1).await.unwrap().len(), 1);

    w.control.reset().await.unwrap();
    let gone = w
        .http
        .get(format!("{}/v1/b2b/organizations/{org}", w.mock.base_url))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);

    let wrong = MockControl::new(&w.mock.base_url, DEFAULT_PROJECT_ID, "secret-test-wrong");
    assert!(!wrong.is_available().await);
    let e = wrong.clock().await.unwrap_err();
    assert_eq!(
        (e.status(), e.error_type()),
        (Some(401), "unauthorized_credentials")
    );
    assert!(!format!("{wrong:?}").contains("secret-test-wrong"));
}
