//! `spawn_app()` and a `TestApp` whose methods speak intent: make an org, log a member in by
//! magic link, read the SMS code the mock "sent", ask the mock for the current TOTP code (the
//! mock's control API through the shared `mock_control` client).

use mfa_engine::{
    EngineConfig, FlowId, LoginStep, ManualClock, MfaService, ServiceError, SignedIn,
    SqliteFlowStore,
};
use mock_control::{MessageKind, MockControl};
use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use mock_stytch::{Config, MockServer};
use stytch_client::api::members::MemberCreateRequest;
use stytch_client::api::organizations::OrganizationSettings;
use stytch_client::api::sessions::SessionAuthenticateRequest;
use stytch_client::{ClientConfig, SessionAuth, StytchClient};

pub type Service = MfaService<SqliteFlowStore, ManualClock>;

pub struct TestApp {
    pub mock: MockServer,
    pub service: Service,
    /// The engine's clock (the mock has its own, moved with `advance_mock_clock`).
    pub clock: ManualClock,
    pub db_path: std::path::PathBuf,
    pub control: MockControl,
    _dir: tempfile::TempDir,
}

pub async fn spawn_app() -> TestApp {
    let mock = MockServer::spawn(Config::for_tests())
        .await
        .expect("mock starts");
    let dir = tempfile::tempdir().expect("temp dir");
    let db_path = dir.path().join("flows.db");
    let clock = ManualClock::starting_now();
    let service = open_service(&mock.base_url, &db_path, &clock).await;
    let control = MockControl::new(&mock.base_url, DEFAULT_PROJECT_ID, DEFAULT_SECRET);
    TestApp {
        mock,
        service,
        clock,
        db_path,
        control,
        _dir: dir,
    }
}

pub fn stytch(base_url: &str) -> StytchClient {
    StytchClient::new(ClientConfig::new(
        base_url,
        DEFAULT_PROJECT_ID,
        DEFAULT_SECRET,
    ))
    .expect("client")
}

pub async fn open_service(
    base_url: &str,
    db_path: &std::path::Path,
    clock: &ManualClock,
) -> Service {
    let store = SqliteFlowStore::open(db_path).await.expect("store opens");
    MfaService::with_clock(
        stytch(base_url),
        store,
        clock.clone(),
        EngineConfig::default(),
    )
}

/// MFA policy and method rules of a test organization.
pub struct OrgRules<'a> {
    pub mfa_policy: &'a str,
    pub allowed: Option<&'a [&'a str]>,
}

pub const REQUIRED: OrgRules<'static> = OrgRules {
    mfa_policy: "REQUIRED_FOR_ALL",
    allowed: None,
};
pub const OPTIONAL: OrgRules<'static> = OrgRules {
    mfa_policy: "OPTIONAL",
    allowed: None,
};

impl TestApp {
    pub fn admin(&self) -> StytchClient {
        stytch(&self.mock.base_url)
    }

    /// An organization with these MFA rules and one active member; returns (org, member).
    pub async fn org_with_member(&self, rules: OrgRules<'_>, email: &str) -> (String, String) {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let settings = OrganizationSettings {
            organization_name: Some(format!("Org {n}")),
            organization_slug: Some(format!("org-{n}-{}", std::process::id())),
            mfa_policy: Some(rules.mfa_policy.to_owned()),
            mfa_methods: rules.allowed.map(|_| "RESTRICTED".to_owned()),
            allowed_mfa_methods: rules
                .allowed
                .map(|a| a.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        };
        let org = self
            .admin()
            .organizations_create(&settings)
            .await
            .expect("org")
            .organization;
        let req = MemberCreateRequest {
            email_address: email.to_owned(),
            ..Default::default()
        };
        let member = self
            .admin()
            .members_create(&org.organization_id, &req)
            .await
            .expect("member");
        (org.organization_id, member.member_id)
    }

    /// Send a magic link, read it from the mock's outbox, and click it.
    pub async fn login_with_magic_link(
        &self,
        org: &str,
        email: &str,
    ) -> Result<LoginStep, ServiceError> {
        let token = self.magic_link_token(org, email).await;
        self.service.login_with_magic_link(token.into()).await
    }

    /// Send a magic link and read its token from the mock's outbox (not clicked yet).
    pub async fn magic_link_token(&self, org: &str, email: &str) -> String {
        self.service
            .send_magic_link(org, email)
            .await
            .expect("magic link sent");
        self.control
            .magic_link_token(email)
            .await
            .expect("magic link token")
    }

    /// The newest SMS code the mock sent to this member.
    pub async fn latest_sms_code(&self, member_id: &str) -> String {
        self.control
            .member_sms_code(member_id)
            .await
            .expect("sms code")
    }

    /// The TOTP code valid right now (mock clock) for the member's registration.
    pub async fn totp_code(&self, org: &str, member_id: &str) -> String {
        self.control
            .totp_code(org, member_id)
            .await
            .expect("totp code")
    }

    pub async fn advance_mock_clock(&self, seconds: i64) {
        self.control
            .advance_clock(seconds)
            .await
            .expect("clock moves");
    }

    /// Stytch still accepts this session.
    pub async fn assert_session_is_live(&self, signed_in: &SignedIn) {
        let req =
            SessionAuthenticateRequest::new(SessionAuth::Token(signed_in.session_token.clone()));
        let resp = self
            .admin()
            .sessions_authenticate(&req)
            .await
            .expect("session is live");
        assert_eq!(resp.member.member_id, signed_in.member_id);
    }

    /// The token of the newest email of this kind sent to `email`.
    pub async fn email_token(&self, email: &str, kind: MessageKind) -> String {
        self.control
            .email_token(email, kind)
            .await
            .expect("email token")
    }

    /// Required enrollment by SMS, end to end; returns the signed-in session.
    pub async fn enroll_by_sms(&self, org: &str, member: &str, email: &str) -> SignedIn {
        let step = self.login_with_magic_link(org, email).await.expect("login");
        let flow = expect_enroll(&step);
        self.service
            .enroll_sms(flow, PHONE)
            .await
            .expect("sms sent");
        let code = self.latest_sms_code(member).await;
        expect_signed_in(
            self.service
                .confirm_enrollment(flow, code.into())
                .await
                .expect("confirm"),
        )
    }
}

static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

/// A valid E.164 test number.
pub const PHONE: &str = "+14155550123";

#[track_caller]
pub fn expect_enroll(step: &LoginStep) -> FlowId {
    match step {
        LoginStep::Enroll(p) => p.flow_id,
        other => panic!("expected enrollment, got {other:?}"),
    }
}

#[track_caller]
pub fn expect_signed_in(step: LoginStep) -> SignedIn {
    match step {
        LoginStep::SignedIn(s) => s,
        other => panic!("expected a session, got {other:?}"),
    }
}

#[track_caller]
pub fn expect_challenge(step: LoginStep) -> mfa_engine::ChallengePrompt {
    match step {
        LoginStep::Challenge(p) => p,
        other => panic!("expected a challenge, got {other:?}"),
    }
}

/// A code that is certainly not `right`.
pub fn wrong_code(right: &str) -> String {
    if right == "000000" {
        "111111".into()
    } else {
        "000000".into()
    }
}
