//! Runs one scenario through `mfa-engine`'s service layer. Each scenario gets its own engine
//! store and clock, and (against the in-process target) its own mock, so scenarios run in
//! parallel without sharing state. Against a URL, names are made unique per run instead.
//!
//! Setup and admin steps (organizations, members, policy changes, passwords) call the Stytch
//! client directly: the engine is a login engine and has no admin API. Mock-only needs (outbox,
//! TOTP code, clock, SSO/OAuth tokens) go through the control API; against a target without it
//! the scenario is reported as not runnable, never faked.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::time::Instant;

use mfa_engine::{
    EngineConfig, FlowId, LoginStep, ManualClock, MfaService, ServiceError, SqliteFlowStore,
};
use serde_json::{Value, json};
use stytch_client::api::members::MemberCreateRequest;
use stytch_client::api::organizations::OrganizationSettings;
use stytch_client::api::passwords::{PasswordEmailResetRequest, PasswordResetStartRequest};
use stytch_client::secret::ExposeSecretStr;
use stytch_client::{ClientConfig, StytchClient};

use crate::scenario::{
    Code, Expect, Loaded, Login, Method, RecoveryCode, Scenario, State, Step, Via,
};

/// Where scenarios run.
#[derive(Clone, Debug)]
pub enum Target {
    /// A fresh in-process mock per scenario (the default).
    InProcess,
    /// A running server: a mock (control API available) or a real Stytch project.
    Url {
        base_url: String,
        project_id: String,
        secret: String,
    },
}

#[derive(Debug, Clone)]
pub struct StepTrace {
    /// 1-based step number in the file.
    pub number: usize,
    pub label: String,
    /// What happened: the engine state after the step, or the error.
    pub outcome: String,
    /// `METHOD path status request_id` of the API calls the step made (mock targets).
    pub requests: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    Failed { step: usize, reason: String },
    NotRunnable { reason: String },
}

#[derive(Debug, Clone)]
pub struct ScenarioReport {
    pub name: String,
    pub path: String,
    pub verdict: Verdict,
    pub trace: Vec<StepTrace>,
    pub seconds: f64,
}

pub async fn run_scenario(loaded: &Loaded, target: &Target) -> ScenarioReport {
    let started = Instant::now();
    let s = &loaded.scenario;
    let (verdict, trace) = match target {
        Target::InProcess => {
            match mock_stytch::MockServer::spawn(mock_stytch::Config::for_tests()).await {
                Ok(mock) => {
                    let conn = Conn {
                        base_url: mock.base_url.clone(),
                        project_id: mock_stytch::config::DEFAULT_PROJECT_ID.into(),
                        secret: mock_stytch::config::DEFAULT_SECRET.into(),
                        control: true,
                        unique: false,
                    };
                    let out = run_on(s, conn).await;
                    let _ = mock.stop().await;
                    out
                }
                Err(e) => (
                    Verdict::Failed {
                        step: 0,
                        reason: format!("mock did not start: {e}"),
                    },
                    vec![],
                ),
            }
        }
        Target::Url {
            base_url,
            project_id,
            secret,
        } => {
            let control = has_control_api(base_url, project_id, secret).await;
            let conn = Conn {
                base_url: base_url.trim_end_matches('/').into(),
                project_id: project_id.clone(),
                secret: secret.clone(),
                control,
                unique: true,
            };
            run_on(s, conn).await
        }
    };
    ScenarioReport {
        name: s.name.clone(),
        path: loaded.path.display().to_string(),
        verdict,
        trace,
        seconds: started.elapsed().as_secs_f64(),
    }
}

async fn has_control_api(base_url: &str, project_id: &str, secret: &str) -> bool {
    let url = format!("{}/_mock/clock", base_url.trim_end_matches('/'));
    match reqwest::Client::new()
        .get(url)
        .basic_auth(project_id, Some(secret))
        .send()
        .await
    {
        Ok(r) => r.status().is_success(),
        Err(_) => false,
    }
}

struct Conn {
    base_url: String,
    project_id: String,
    secret: String,
    control: bool,
    /// Make slugs and emails unique: the target is shared with other runs.
    unique: bool,
}

async fn run_on(s: &Scenario, conn: Conn) -> (Verdict, Vec<StepTrace>) {
    if !conn.control {
        let mut blocked: Vec<String> = s
            .steps
            .iter()
            .enumerate()
            .filter(|(_, st)| st.needs_control_api())
            .map(|(i, st)| format!("step {} ({})", i + 1, st.label()))
            .collect();
        if s.members.values().any(|m| m.password.is_some()) {
            blocked.push("member passwords (set through the reset email)".into());
        }
        if !blocked.is_empty() {
            return (
                Verdict::NotRunnable {
                    reason: format!("needs the mock control API: {}", blocked.join(", ")),
                },
                vec![],
            );
        }
    }
    let mut run = match Run::setup(s, conn).await {
        Ok(r) => r,
        Err(e) => {
            return (
                Verdict::Failed {
                    step: 0,
                    reason: format!("setup: {e}"),
                },
                vec![],
            );
        }
    };
    let mut trace = Vec::new();
    let mut i = 0;
    while i < s.steps.len() {
        let step = &s.steps[i];
        let number = i + 1;
        let result = match step {
            Step::Expect(e) => run.check(e).await.map(|()| "ok".to_owned()),
            other => {
                run.last_error = None;
                if let Err(err) = run.act(other).await {
                    run.last_error = Some(err);
                }
                run.refresh().await;
                let outcome = match &run.last_error {
                    Some((t, m)) => format!("error {t}: {m} -> state {}", run.state.as_str()),
                    None => format!("ok -> state {}", run.describe()),
                };
                let next_expects_error = matches!(
                    s.steps.get(i + 1),
                    Some(Step::Expect(Expect { error: Some(_), .. }))
                );
                match &run.last_error {
                    Some(_) if !next_expects_error => Err(format!("step failed: {outcome}")),
                    _ => Ok(outcome),
                }
            }
        };
        let requests = run.new_requests().await;
        let (outcome, failed) = match result {
            Ok(o) => (o, None),
            Err(reason) => (format!("FAILED: {reason}"), Some(reason)),
        };
        trace.push(StepTrace {
            number,
            label: step.label(),
            outcome,
            requests,
        });
        if let Some(reason) = failed {
            return (
                Verdict::Failed {
                    step: number,
                    reason,
                },
                trace,
            );
        }
        i += 1;
    }
    (Verdict::Passed, trace)
}

struct MemberRef {
    org_id: String,
    member_id: String,
    email: String,
    password: Option<String>,
}

struct Run {
    service: MfaService<SqliteFlowStore, ManualClock>,
    admin: StytchClient,
    http: reqwest::Client,
    conn: Conn,
    clock: ManualClock,
    orgs: BTreeMap<String, String>,
    members: BTreeMap<String, MemberRef>,
    flow: Option<FlowId>,
    flow_member: Option<String>,
    state: State,
    last_step: Option<LoginStep>,
    last_error: Option<(String, String)>,
    recovery_codes: VecDeque<String>,
    seen_requests: HashSet<String>,
}

type StepResult = Result<(), (String, String)>;

/// The engine's typed kind names the error; when Stytch answered, its own `error_type` does
/// (that is what scenarios expect, e.g. `invalid_phone_number`).
fn service_error(e: ServiceError) -> (String, String) {
    let t = match e.stytch_error_type() {
        Some(t) => t.to_owned(),
        None => e.kind().as_str().to_owned(),
    };
    let request_id = match &e {
        ServiceError::Rejected(api) => format!(" (request_id {})", api.request_id),
        _ => String::new(),
    };
    (t, format!("{e}{request_id}"))
}

fn client_error(e: stytch_client::StytchError) -> (String, String) {
    let t = e
        .api()
        .map_or("stytch_error".to_owned(), |a| a.error_type.clone());
    (t, e.to_string())
}

fn fail(t: &str, m: impl Into<String>) -> (String, String) {
    (t.to_owned(), m.into())
}

impl Run {
    async fn setup(s: &Scenario, conn: Conn) -> Result<Run, String> {
        let admin = StytchClient::new(ClientConfig::new(
            conn.base_url.clone(),
            conn.project_id.clone(),
            conn.secret.clone(),
        ))
        .map_err(|e| e.to_string())?;
        let store = SqliteFlowStore::in_memory()
            .await
            .map_err(|e| e.to_string())?;
        let clock = ManualClock::starting_now();
        let service =
            MfaService::with_clock(admin.clone(), store, clock.clone(), EngineConfig::default());
        let suffix = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
        let mut run = Run {
            service,
            admin,
            http: reqwest::Client::new(),
            conn,
            clock,
            orgs: BTreeMap::new(),
            members: BTreeMap::new(),
            flow: None,
            flow_member: None,
            state: State::None,
            last_step: None,
            last_error: None,
            recovery_codes: VecDeque::new(),
            seen_requests: HashSet::new(),
        };
        for (alias, spec) in &s.organizations {
            let settings = OrganizationSettings {
                organization_name: Some(format!("{alias} {suffix}")),
                organization_slug: Some(format!(
                    "{}-{suffix}",
                    alias.to_lowercase().replace(['_', ' '], "-")
                )),
                mfa_policy: spec.mfa_policy.map(|p| p.as_str().to_owned()),
                mfa_methods: spec
                    .allowed_mfa_methods
                    .as_ref()
                    .map(|_| "RESTRICTED".to_owned()),
                allowed_mfa_methods: spec.allowed_mfa_methods.as_ref().map(|v| method_names(v)),
                auth_methods: spec
                    .allowed_auth_methods
                    .as_ref()
                    .map(|_| "RESTRICTED".to_owned()),
                allowed_auth_methods: spec.allowed_auth_methods.clone(),
                ..Default::default()
            };
            let org = run
                .admin
                .organizations_create(&settings)
                .await
                .map_err(|e| format!("organization {alias}: {e}"))?;
            run.orgs
                .insert(alias.clone(), org.organization.organization_id);
        }
        for (alias, spec) in &s.members {
            let org_id = run.orgs[&spec.org].clone();
            let email = if run.conn.unique {
                match spec.email.split_once('@') {
                    Some((local, domain)) => format!("{local}+{suffix}@{domain}"),
                    None => spec.email.clone(),
                }
            } else {
                spec.email.clone()
            };
            let req = MemberCreateRequest {
                email_address: email.clone(),
                mfa_phone_number: spec.mfa_phone_number.clone(),
                mfa_enrolled: spec.mfa_enrolled,
                is_breakglass: spec.is_breakglass,
                ..Default::default()
            };
            let m = run
                .admin
                .members_create(&org_id, &req)
                .await
                .map_err(|e| format!("member {alias}: {e}"))?;
            run.members.insert(
                alias.clone(),
                MemberRef {
                    org_id,
                    member_id: m.member_id,
                    email,
                    password: spec.password.clone(),
                },
            );
        }
        for (alias, spec) in &s.members {
            if let Some(pw) = &spec.password {
                run.set_password(alias, pw)
                    .await
                    .map_err(|(t, m)| format!("password of {alias}: {t}: {m}"))?;
            }
        }
        // Setup requests are not part of any step's trace.
        run.new_requests().await;
        Ok(run)
    }

    /// Reset-by-email with the client directly, so no login flow is created.
    async fn set_password(&mut self, alias: &str, password: &str) -> StepResult {
        let (org_id, email) = {
            let m = &self.members[alias];
            (m.org_id.clone(), m.email.clone())
        };
        self.admin
            .passwords_email_reset_start(&PasswordResetStartRequest::new(&org_id, &email))
            .await
            .map_err(client_error)?;
        let token = self
            .outbox_field(&[("to", &email), ("channel", "email")], "token")
            .await?;
        self.admin
            .passwords_email_reset(&PasswordEmailResetRequest::new(token, password))
            .await
            .map_err(client_error)?;
        Ok(())
    }

    fn member(&self, alias: &str) -> Result<&MemberRef, (String, String)> {
        self.members
            .get(alias)
            .ok_or_else(|| fail("unknown_member", alias))
    }

    fn flow(&self) -> Result<FlowId, (String, String)> {
        self.flow
            .ok_or_else(|| fail("no_flow", "no login flow: log in first"))
    }

    fn current_member(&self) -> Result<&MemberRef, (String, String)> {
        let alias = self
            .flow_member
            .as_deref()
            .ok_or_else(|| fail("no_flow", "no member logged in"))?;
        self.member(alias)
    }

    fn adopt(&mut self, step: Result<LoginStep, ServiceError>, alias: &str) -> StepResult {
        let step = step.map_err(service_error)?;
        self.flow = Some(step.flow_id());
        self.flow_member = Some(alias.to_owned());
        self.last_step = Some(step);
        Ok(())
    }

    async fn act(&mut self, step: &Step) -> StepResult {
        match step {
            Step::Login(l) => self.login(l).await,
            Step::ChooseMethod(m) => {
                let flow = self.flow()?;
                self.service
                    .use_method(flow, m.engine())
                    .await
                    .map_err(service_error)?;
                Ok(())
            }
            Step::SendSms => {
                let flow = self.flow()?;
                self.service
                    .send_sms_code(flow)
                    .await
                    .map_err(service_error)?;
                Ok(())
            }
            Step::EnrollSms(p) => {
                let flow = self.flow()?;
                self.service
                    .enroll_sms(flow, &p.phone)
                    .await
                    .map_err(service_error)?;
                Ok(())
            }
            Step::EnrollTotp => {
                let flow = self.flow()?;
                let setup = self
                    .service
                    .enroll_totp(flow)
                    .await
                    .map_err(service_error)?;
                self.recovery_codes = setup
                    .recovery_codes
                    .iter()
                    .map(|c| c.expose_secret().to_owned())
                    .collect();
                Ok(())
            }
            Step::SubmitCode(code) => {
                let flow = self.flow()?;
                let code = self.resolve_code(code).await?;
                let result = if self.state == State::Enroll {
                    self.service.confirm_enrollment(flow, code.into()).await
                } else {
                    self.service.submit_code(flow, code.into()).await
                };
                result.map_err(service_error)?;
                Ok(())
            }
            Step::SubmitRecoveryCode(rc) => {
                let flow = self.flow()?;
                let code = match rc {
                    RecoveryCode::FromEnrollment => {
                        self.recovery_codes.pop_front().ok_or_else(|| {
                            fail(
                                "no_recovery_code",
                                "no recovery code left from enroll_totp in this scenario",
                            )
                        })?
                    }
                    RecoveryCode::Wrong => "0000-0000-0000".to_owned(),
                    RecoveryCode::Literal(c) => c.clone(),
                };
                self.service
                    .submit_recovery_code(flow, code.into())
                    .await
                    .map_err(service_error)?;
                Ok(())
            }
            Step::AdvanceClock(s) => {
                self.advance_mock_clock(s.seconds).await?;
                self.clock.advance(chrono::Duration::seconds(s.seconds));
                Ok(())
            }
            Step::SetPolicy(p) => {
                let org_id = self
                    .orgs
                    .get(&p.org)
                    .ok_or_else(|| fail("unknown_org", p.org.clone()))?
                    .clone();
                let settings = OrganizationSettings {
                    mfa_policy: p.mfa_policy.map(|m| m.as_str().to_owned()),
                    mfa_methods: if p.mfa_methods_all {
                        Some("ALL_ALLOWED".into())
                    } else {
                        p.allowed_mfa_methods.as_ref().map(|_| "RESTRICTED".into())
                    },
                    allowed_mfa_methods: p.allowed_mfa_methods.as_ref().map(|v| method_names(v)),
                    auth_methods: if p.auth_methods_all {
                        Some("ALL_ALLOWED".into())
                    } else {
                        p.allowed_auth_methods.as_ref().map(|_| "RESTRICTED".into())
                    },
                    allowed_auth_methods: p.allowed_auth_methods.clone(),
                    ..Default::default()
                };
                self.admin
                    .organizations_update(&org_id, &settings)
                    .await
                    .map_err(client_error)?;
                Ok(())
            }
            Step::BeginEnrollment(b) => {
                let flow = self.flow()?;
                self.service
                    .begin_enrollment(flow, b.require_at_login)
                    .await
                    .map_err(service_error)?;
                Ok(())
            }
            Step::StepUp => {
                let flow = self.flow()?;
                self.service
                    .begin_step_up(flow)
                    .await
                    .map_err(service_error)?;
                Ok(())
            }
            Step::ExchangeSession(e) => self.exchange(&e.to).await,
            Step::SignOut => {
                let flow = self.flow()?;
                self.service.logout(flow).await.map_err(service_error)?;
                self.flow = None;
                Ok(())
            }
            Step::Expect(_) => Ok(()),
        }
    }

    async fn login(&mut self, l: &Login) -> StepResult {
        let m = self.member(&l.member)?;
        let (org_id, email) = (m.org_id.clone(), m.email.clone());
        let password = l
            .password
            .clone()
            .or_else(|| m.password.clone())
            .unwrap_or_default();
        let new_password = l
            .new_password
            .clone()
            .unwrap_or_else(|| "a fresh passphrase 9174".into());
        let result = match l.via {
            Via::MagicLink => {
                self.service
                    .send_magic_link(&org_id, &email)
                    .await
                    .map_err(service_error)?;
                let token = self
                    .outbox_field(&[("to", &email), ("channel", "email")], "token")
                    .await?;
                self.service.login_with_magic_link(token.into()).await
            }
            Via::Password => {
                self.service
                    .login_with_password(&org_id, &email, password.into())
                    .await
            }
            Via::PasswordReset => {
                self.service
                    .start_password_reset(&org_id, &email)
                    .await
                    .map_err(service_error)?;
                let token = self
                    .outbox_field(&[("to", &email), ("channel", "email")], "token")
                    .await?;
                let r = self
                    .service
                    .login_with_password_reset(token.into(), new_password.clone().into())
                    .await;
                if r.is_ok()
                    && let Some(m) = self.members.get_mut(&l.member)
                {
                    m.password = Some(new_password);
                }
                r
            }
            Via::ExistingPasswordReset => {
                let r = self
                    .service
                    .login_with_existing_password_reset(
                        &org_id,
                        &email,
                        password.into(),
                        new_password.clone().into(),
                    )
                    .await;
                if r.is_ok()
                    && let Some(m) = self.members.get_mut(&l.member)
                {
                    m.password = Some(new_password);
                }
                r
            }
            Via::Sso => {
                let v = self
                    .control_post(
                        "/_mock/sso/token",
                        json!({"organization_id": org_id, "email_address": email}),
                    )
                    .await?;
                let token = v["token"].as_str().unwrap_or_default().to_owned();
                self.service.login_with_sso(token.into()).await
            }
            Via::Oauth => {
                let v = self
                    .control_post(
                        "/_mock/oauth/token",
                        json!({"organization_id": org_id, "email_address": email, "provider": "google"}),
                    )
                    .await?;
                let token = v["token"].as_str().unwrap_or_default().to_owned();
                self.service.login_with_oauth(token.into()).await
            }
            Via::SessionExchange => return self.exchange(&l.member).await,
        };
        self.adopt(result, &l.member)
    }

    async fn exchange(&mut self, to: &str) -> StepResult {
        let flow = self.flow()?;
        let session = self.service.session(flow).await.map_err(service_error)?;
        let org_id = self.member(to)?.org_id.clone();
        let result = self
            .service
            .exchange_session(session.session_token, &org_id)
            .await;
        self.adopt(result, to)
    }

    async fn resolve_code(&mut self, code: &Code) -> Result<String, (String, String)> {
        let m = self.current_member()?;
        let (org_id, member_id) = (m.org_id.clone(), m.member_id.clone());
        match code {
            Code::Literal(c) => Ok(c.clone()),
            Code::FromOutbox => {
                self.outbox_field(&[("member_id", &member_id), ("channel", "sms")], "code")
                    .await
            }
            Code::TotpNow => self.totp_code(&org_id, &member_id).await,
            Code::TotpAtOffset(n) => {
                self.advance_mock_clock(*n).await?;
                let code = self.totp_code(&org_id, &member_id).await;
                self.advance_mock_clock(-*n).await?;
                code
            }
            Code::Wrong => {
                let mut right = Vec::new();
                if let Ok(c) = self
                    .outbox_field(&[("member_id", &member_id), ("channel", "sms")], "code")
                    .await
                {
                    right.push(c);
                }
                if let Ok(c) = self.totp_code(&org_id, &member_id).await {
                    right.push(c);
                }
                Ok(["000000", "111111", "222222"]
                    .into_iter()
                    .find(|c| !right.iter().any(|r| r == c))
                    .unwrap_or("333333")
                    .to_owned())
            }
        }
    }

    /// Re-read the flow's state from the engine's store (the engine is the source of truth).
    async fn refresh(&mut self) {
        let Some(flow) = self.flow else {
            self.state = State::None;
            self.last_step = None;
            return;
        };
        match self.service.resume(flow).await {
            Ok(step) => {
                self.state = match &step {
                    LoginStep::SignedIn(_) => State::SignedIn,
                    LoginStep::Enroll(_) => State::Enroll,
                    LoginStep::Challenge(_) => State::Challenge,
                };
                self.last_step = Some(step);
            }
            Err(_) => {
                // Keep the id: later steps should meet the engine's own error for a dead flow.
                self.state = State::None;
                self.last_step = None;
            }
        }
    }

    fn describe(&self) -> String {
        match &self.last_step {
            Some(LoginStep::Challenge(p)) => format!(
                "challenge (method {}, sms_sent {}, attempts_left {})",
                p.method.as_str(),
                p.sms_sent,
                p.attempts_left
            ),
            Some(LoginStep::Enroll(p)) => format!("enroll (started {:?})", p.started),
            _ => self.state.as_str().to_owned(),
        }
    }

    async fn check(&mut self, e: &Expect) -> Result<(), String> {
        let mut problems = Vec::new();
        match (&e.error, &self.last_error) {
            (Some(want), Some((got, msg))) if want != got => {
                problems.push(format!("error: expected `{want}`, got `{got}` ({msg})"))
            }
            (Some(want), None) => {
                problems.push(format!("error: expected `{want}`, but the step succeeded"))
            }
            (None, Some((got, msg))) => problems.push(format!("unexpected error `{got}`: {msg}")),
            _ => {}
        }
        if let Some(want) = e.state
            && want != self.state
        {
            problems.push(format!(
                "state: expected {}, got {}",
                want.as_str(),
                self.describe()
            ));
        }
        if let Some(want) = e.member_authenticated {
            let got = self.state == State::SignedIn;
            if want != got {
                problems.push(format!(
                    "member_authenticated: expected {want}, got {got} (state {})",
                    self.describe()
                ));
            }
        }
        if e.method.is_some() || e.sms_sent.is_some() {
            match &self.last_step {
                Some(LoginStep::Challenge(p)) => {
                    if let Some(want) = e.method
                        && want.engine() != p.method
                    {
                        problems.push(format!(
                            "method: expected {want:?}, got {}",
                            p.method.as_str()
                        ));
                    }
                    if let Some(want) = e.sms_sent
                        && want != p.sms_sent
                    {
                        problems.push(format!("sms_sent: expected {want}, got {}", p.sms_sent));
                    }
                }
                _ => problems.push(format!(
                    "method/sms_sent need a challenge, state is {}",
                    self.describe()
                )),
            }
        }
        if let Some(want) = e.attempts_left {
            let got = match &self.last_step {
                Some(LoginStep::Challenge(p)) => Some(p.attempts_left),
                Some(LoginStep::Enroll(p)) => Some(p.attempts_left),
                _ => None,
            };
            if got != Some(want) {
                problems.push(format!("attempts_left: expected {want}, got {got:?}"));
            }
        }
        if let Some(me) = &e.member {
            let alias = me.name.clone().or_else(|| self.flow_member.clone());
            match alias {
                None => problems.push("member: no member named and no current flow".into()),
                Some(alias) => {
                    let (org_id, member_id) = match self.member(&alias) {
                        Ok(m) => (m.org_id.clone(), m.member_id.clone()),
                        Err((_, m)) => return Err(m),
                    };
                    match self.admin.members_get(&org_id, &member_id).await {
                        Err(err) => problems.push(format!("member {alias}: lookup failed: {err}")),
                        Ok(resp) => {
                            let m = resp.member;
                            let mut cmp = |field: &str, want: Option<String>, got: String| {
                                if let Some(want) = want
                                    && want != got
                                {
                                    problems.push(format!(
                                        "member {alias}.{field}: expected {want}, got {got}"
                                    ));
                                }
                            };
                            cmp(
                                "mfa_enrolled",
                                me.mfa_enrolled.map(|b| b.to_string()),
                                m.mfa_enrolled.to_string(),
                            );
                            cmp(
                                "default_mfa_method",
                                me.default_mfa_method.clone(),
                                m.default_mfa_method
                                    .map_or("none".to_owned(), |d| d.as_str().to_owned()),
                            );
                            cmp(
                                "phone_verified",
                                me.phone_verified.map(|b| b.to_string()),
                                m.mfa_phone_number_verified.to_string(),
                            );
                            cmp(
                                "totp_registered",
                                me.totp_registered.map(|b| b.to_string()),
                                m.totp_registration_id.is_some().to_string(),
                            );
                        }
                    }
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    async fn control_get(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Value, (String, String)> {
        let req = self
            .http
            .get(format!("{}{path}", self.conn.base_url))
            .query(query);
        self.control_send(path, req).await
    }

    async fn control_post(&self, path: &str, body: Value) -> Result<Value, (String, String)> {
        let req = self
            .http
            .post(format!("{}{path}", self.conn.base_url))
            .json(&body);
        self.control_send(path, req).await
    }

    /// Send a control-API request with the project's credentials; a non-2xx answer becomes its
    /// `error_type` and a message naming the path.
    async fn control_send(
        &self,
        path: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<Value, (String, String)> {
        let resp = req
            .basic_auth(&self.conn.project_id, Some(&self.conn.secret))
            .send()
            .await
            .map_err(|e| fail("control_api", e.to_string()))?;
        let status = resp.status();
        let body: Value = resp
            .json()
            .await
            .map_err(|e| fail("control_api", e.to_string()))?;
        if !status.is_success() {
            let t = body["error_type"]
                .as_str()
                .unwrap_or("control_api")
                .to_owned();
            return Err((t, format!("{path}: {status}: {body}")));
        }
        Ok(body)
    }

    async fn outbox_field(
        &self,
        filter: &[(&str, &str)],
        field: &str,
    ) -> Result<String, (String, String)> {
        let v = self.control_get("/_mock/outbox", filter).await?;
        v["messages"][0][field]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| {
                fail(
                    "outbox_empty",
                    format!("no message with a {field} for {filter:?}"),
                )
            })
    }

    async fn totp_code(&self, org_id: &str, member_id: &str) -> Result<String, (String, String)> {
        let v = self
            .control_get(
                "/_mock/totp/code",
                &[("organization_id", org_id), ("member_id", member_id)],
            )
            .await?;
        v["code"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| fail("control_api", "no TOTP code"))
    }

    async fn advance_mock_clock(&self, seconds: i64) -> StepResult {
        self.control_post("/_mock/clock", json!({ "advance_seconds": seconds }))
            .await
            .map(|_| ())
    }

    /// API requests since the last call (mock targets only), oldest first.
    async fn new_requests(&mut self) -> Vec<String> {
        if !self.conn.control {
            return vec![];
        }
        let Ok(v) = self
            .control_get("/_mock/requests", &[("limit", "200")])
            .await
        else {
            return vec![];
        };
        let mut out = Vec::new();
        for r in v["requests"].as_array().into_iter().flatten().rev() {
            let id = r["request_id"].as_str().unwrap_or_default().to_owned();
            let path = r["path"].as_str().unwrap_or_default();
            if id.is_empty() || !self.seen_requests.insert(id.clone()) || path.starts_with("/_mock")
            {
                continue;
            }
            out.push(format!(
                "{} {} {} {}",
                r["method"].as_str().unwrap_or("?"),
                path,
                r["status"],
                id
            ));
        }
        out
    }
}

fn method_names(v: &[Method]) -> Vec<String> {
    v.iter().map(|m| m.engine().as_str().to_owned()).collect()
}
