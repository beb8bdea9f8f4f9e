//! The test world: one in-process mock, one engine (`MfaService`) on an in-memory flow store, an
//! admin that speaks raw JSON to the mock's Stytch API (organizations, members, factors), and the
//! shared `mock_control` client for its control API (outbox, clock, IdP tokens).
//!
//! Raw JSON on purpose: what the suite observes about a primary response is read from the body
//! itself, not through `stytch-client`'s parsing, so a parsing bug cannot hide on both sides.
//! The mock is served here with one extra outer layer, [`Recorder`]: it keeps the last
//! primary-auth body per member, so a call made *through the engine* can still be compared
//! field by field with the model without making the same request twice.
//! Must never hold a secret beyond the test run; every value here comes from the seeded mock.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Request, State};
use axum::middleware::Next;
use mfa_engine::{EngineConfig, ManualClock, MfaService, SqliteFlowStore};
use mock_control::{Channel, ControlError, MessageKind, MockControl, OauthProvider, OutboxFilter};
use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use mock_stytch::{AppState, Config};
use serde_json::{Value, json};
use stytch_client::{ClientConfig, StytchClient};
use tokio::sync::oneshot;

pub type Service = MfaService<SqliteFlowStore, ManualClock>;

/// The one password every member has (strong enough for the mock's zxcvbn check).
pub const PASSWORD: &str = "correct-Horse-battery-staple-42!";
/// A valid E.164 test number.
pub const PHONE: &str = "+14155550123";
/// A base32 TOTP secret for `totp/migrate` (an already-active registration).
pub const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// Primary-auth routes whose answers the recorder keeps.
const PRIMARY_PATHS: &[&str] = &[
    "/v1/b2b/magic_links/authenticate",
    "/v1/b2b/passwords/authenticate",
    "/v1/b2b/passwords/email/reset",
    "/v1/b2b/passwords/existing_password/reset",
    "/v1/b2b/sso/authenticate",
    "/v1/b2b/oauth/authenticate",
    "/v1/b2b/sessions/exchange",
];

/// The last successful primary-auth body per `member_id`.
#[derive(Clone, Default)]
pub struct Recorder(Arc<Mutex<HashMap<String, Value>>>);

impl Recorder {
    pub fn take(&self, member_id: &str) -> Option<Value> {
        self.0.lock().expect("recorder").remove(member_id)
    }
}

async fn record(State(rec): State<Recorder>, req: Request, next: Next) -> axum::response::Response {
    let keep = PRIMARY_PATHS.contains(&req.uri().path());
    let resp = next.run(req).await;
    if !keep || !resp.status().is_success() {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    if let Ok(v) = serde_json::from_slice::<Value>(&bytes)
        && let Some(member) = v["member_id"].as_str().map(str::to_owned)
    {
        rec.0.lock().expect("recorder").insert(member, v);
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}

pub struct Env {
    pub base_url: String,
    pub recorder: Recorder,
    _stop: oneshot::Sender<()>,
    pub service: Service,
    /// The engine's clock; kept equal to the mock's virtual clock by [`Env::advance_clock`].
    pub clock: ManualClock,
    http: reqwest::Client,
    control: MockControl,
    bcrypt_hash: String,
}

/// A refused API call: HTTP status and Stytch's `error_type`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    pub status: u16,
    pub error_type: String,
}

impl Env {
    pub async fn spawn() -> Env {
        Env::spawn_with(Config::for_tests()).await
    }

    /// A mock whose virtual clock moves only when told to (so TOTP steps and expiries are
    /// exactly where the model puts them).
    pub async fn spawn_frozen() -> Env {
        let now = chrono::DateTime::from_timestamp(chrono::Utc::now().timestamp(), 0);
        Env::spawn_with(Config {
            frozen_clock: now,
            ..Config::for_tests()
        })
        .await
    }

    async fn spawn_with(config: Config) -> Env {
        let state = AppState::open(config).await.expect("mock state");
        let recorder = Recorder::default();
        let app = mock_stytch::routes::router(state).layer(axum::middleware::from_fn_with_state(
            recorder.clone(),
            record,
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = stopped.await;
            })
            .await
        });
        let stytch = StytchClient::new(ClientConfig::new(
            &base_url,
            DEFAULT_PROJECT_ID,
            DEFAULT_SECRET,
        ))
        .expect("client");
        let store = SqliteFlowStore::in_memory().await.expect("store");
        let clock = ManualClock::starting_now();
        let service = MfaService::with_clock(stytch, store, clock.clone(), EngineConfig::default());
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()
            .expect("http client");
        let bcrypt_hash = bcrypt::hash(PASSWORD, 4).expect("bcrypt");
        let control =
            MockControl::with_http(http.clone(), &base_url, DEFAULT_PROJECT_ID, DEFAULT_SECRET);
        let env = Env {
            base_url,
            recorder,
            _stop: stop,
            service,
            clock,
            http,
            control,
            bcrypt_hash,
        };
        env.sync_clock().await;
        env
    }

    /// POST a JSON body; `Ok(body)` on 2xx, else the status and `error_type`.
    pub async fn post(&self, path: &str, body: Value) -> Result<Value, Refused> {
        self.send(self.http.post(self.url(path)).json(&body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Result<Value, Refused> {
        self.send(self.http.put(self.url(path)).json(&body)).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Value, Refused> {
        let resp = req
            .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
            .send()
            .await
            .expect("the mock answers");
        let status = resp.status().as_u16();
        let body: Value = resp.json().await.expect("a JSON body");
        if (200..300).contains(&status) {
            Ok(body)
        } else {
            Err(Refused {
                status,
                error_type: body["error_type"].as_str().unwrap_or_default().to_owned(),
            })
        }
    }

    pub async fn create_org(&self, name: &str, settings: Value) -> Result<String, Refused> {
        let mut body = json!({ "organization_name": name, "organization_slug": name });
        merge(&mut body, settings);
        let v = self.post("/v1/b2b/organizations", body).await?;
        Ok(v["organization"]["organization_id"]
            .as_str()
            .expect("organization_id")
            .to_owned())
    }

    pub async fn update_org(&self, org: &str, settings: Value) -> Result<Value, Refused> {
        self.put(&format!("/v1/b2b/organizations/{org}"), settings)
            .await
    }

    /// A member with a password and a verified email (`passwords.migrate`); optionally a phone,
    /// verified or not. Calling it again for the same email updates the member.
    pub async fn migrate_member(
        &self,
        org: &str,
        email: &str,
        phone: Option<bool>,
    ) -> Result<String, Refused> {
        let mut body = json!({
            "organization_id": org,
            "email_address": email,
            "hash": self.bcrypt_hash,
            "hash_type": "bcrypt",
        });
        if let Some(verified) = phone {
            body["mfa_phone_number"] = json!(PHONE);
            body["set_phone_number_verified"] = json!(verified);
        }
        let v = self.post("/v1/b2b/passwords/migrate", body).await?;
        Ok(v["member_id"].as_str().expect("member_id").to_owned())
    }

    pub async fn update_member(
        &self,
        org: &str,
        member: &str,
        body: Value,
    ) -> Result<Value, Refused> {
        self.put(
            &format!("/v1/b2b/organizations/{org}/members/{member}"),
            body,
        )
        .await
    }

    /// A pending TOTP registration (`totps.create`, never authenticated); returns its
    /// recovery codes.
    pub async fn totp_create(&self, org: &str, member: &str) -> Result<Vec<String>, Refused> {
        let v = self
            .post(
                "/v1/b2b/totp",
                json!({"organization_id": org, "member_id": member}),
            )
            .await?;
        Ok(strings(&v["recovery_codes"]))
    }

    /// An active TOTP registration imported with `totps.migrate`; returns its recovery codes.
    pub async fn totp_migrate(&self, org: &str, member: &str) -> Result<Vec<String>, Refused> {
        let v = self
            .post(
                "/v1/b2b/totp/migrate",
                json!({"organization_id": org, "member_id": member, "secret": TOTP_SECRET, "recovery_codes": []}),
            )
            .await?;
        Ok(strings(&v["recovery_codes"]))
    }

    /// A magic-link login token for this member (login_or_signup + outbox).
    pub async fn magic_link_token(&self, org: &str, email: &str, member: &str) -> String {
        self.post(
            "/v1/b2b/magic_links/email/login_or_signup",
            json!({"organization_id": org, "email_address": email}),
        )
        .await
        .expect("magic link sent");
        self.outbox_token(member, MessageKind::MagicLinkLogin).await
    }

    pub async fn reset_token(&self, org: &str, email: &str, member: &str) -> String {
        self.post(
            "/v1/b2b/passwords/email/reset/start",
            json!({"organization_id": org, "email_address": email}),
        )
        .await
        .expect("reset started");
        self.outbox_token(member, MessageKind::PasswordReset).await
    }

    pub async fn sso_token(&self, org: &str, email: &str) -> String {
        self.control.sso_token(org, email).await.expect("sso token")
    }

    pub async fn oauth_token(&self, org: &str, email: &str) -> String {
        self.control
            .oauth_token(org, email, OauthProvider::Google)
            .await
            .expect("oauth token")
    }

    async fn outbox_token(&self, member: &str, kind: MessageKind) -> String {
        self.control
            .member_token(member, kind)
            .await
            .unwrap_or_else(|e| panic!("no {kind:?} message for {member}: {e}"))
    }

    /// The newest SMS the mock sent this member: (message id, code).
    pub async fn latest_sms(&self, member: &str) -> Option<(String, String)> {
        let filter = OutboxFilter::member(member).channel(Channel::Sms);
        match self.control.latest_message(&filter).await {
            Ok(m) => Some((m.id, m.code?)),
            Err(ControlError::NotInOutbox { .. }) => None,
            Err(e) => panic!("outbox: {e}"),
        }
    }

    /// How many SMS the mock has sent this member.
    pub async fn sms_count(&self, member: &str) -> usize {
        let filter = OutboxFilter::member(member)
            .channel(Channel::Sms)
            .limit(10_000);
        self.control.outbox(&filter).await.expect("outbox").len()
    }

    pub async fn mock_now(&self) -> i64 {
        self.control.now().await.expect("clock").timestamp()
    }

    /// Move the mock's virtual clock and the engine's clock together.
    pub async fn advance_clock(&self, seconds: i64) {
        self.control
            .advance_clock(seconds)
            .await
            .expect("clock moves");
        self.sync_clock().await;
    }

    async fn sync_clock(&self) {
        let now = self.mock_now().await;
        self.clock
            .set(chrono::DateTime::from_timestamp(now, 0).expect("timestamp"));
    }
}

fn merge(into: &mut Value, from: Value) {
    if let (Some(a), Value::Object(b)) = (into.as_object_mut(), from) {
        a.extend(b);
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// RFC 6238 TOTP (SHA-1, 30 s, 6 digits) of a base32 secret at unix time `at`, computed by
/// `mock_control::totp` — not by the mock's own generator, which the suite checks.
pub fn totp_at(secret_b32: &str, at: i64) -> String {
    mock_control::totp::code_at(secret_b32, at).expect("a base32 TOTP secret")
}
