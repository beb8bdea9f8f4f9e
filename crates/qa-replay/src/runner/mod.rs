//! Runs one scenario through `mfa-engine`'s service layer. Each scenario gets its own engine
//! store and clock, and (against the in-process target) its own mock, so scenarios run in
//! parallel without sharing state. Against a URL, names are made unique per run instead.
//!
//! This file holds the scenario loop (one step after another, stopping at the first failure),
//! the per-run state and the verdict. Steps are performed in `steps`, `expect` checks in
//! `checks` (`expect: model` in `model_check`), setup in `setup` (a matrix member's factors in
//! `shape`), mock-only calls in `control`, the trace in `trace`, what a target without the
//! control API cannot run in `classify`.
//! A scenario that needs the control API against a target without it is reported as not
//! runnable, never faked; nothing here may turn a failed step into a pass.

mod checks;
mod classify;
mod control;
mod model_check;
mod setup;
mod shape;
mod steps;
mod trace;

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::time::Instant;

use mfa_engine::store::{AnyFlowStore, FlowStoreLocation};
use mfa_engine::{FlowId, LoginStep, ManualClock, MfaService, ServiceError};
use stytch_client::StytchClient;

use crate::scenario::predict::reach;
use crate::scenario::{Case, Loaded, Method, Scenario, State, Step};

pub use classify::not_runnable;
pub use trace::{RequestTrace, StepTrace};

/// Where every scenario's engine keeps its login flows (`replay --flow-store`); unset: a
/// private in-memory SQLite database per scenario. Set once, before scenarios run.
static FLOW_STORE: std::sync::OnceLock<FlowStoreLocation> = std::sync::OnceLock::new();

/// Make every scenario of this process store its flows at `location`; a second call is refused.
pub fn use_flow_store(location: FlowStoreLocation) -> Result<(), String> {
    FLOW_STORE
        .set(location)
        .map_err(|_| "the flow store was already chosen".to_owned())
}

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

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    Failed {
        step: usize,
        reason: String,
    },
    NotRunnable {
        reason: String,
    },
    /// A matrix combination the API refuses to set up (the policy space names the reason).
    Refused {
        reason: String,
    },
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
    let case = loaded.case.as_ref();
    let matrix_file = s.matrix.is_some() && case.is_none();
    let (verdict, trace) = match target {
        _ if matrix_file => (
            Verdict::Failed {
                step: 0,
                reason: "a matrix scenario runs as its cases (Loaded::cases)".into(),
            },
            vec![],
        ),
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
                    let out = run_on(s, case, conn).await;
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
            let control = control::has_control_api(base_url, project_id, secret).await;
            let conn = Conn {
                base_url: base_url.trim_end_matches('/').into(),
                project_id: project_id.clone(),
                secret: secret.clone(),
                control,
                unique: true,
            };
            run_on(s, case, conn).await
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

struct Conn {
    base_url: String,
    project_id: String,
    secret: String,
    control: bool,
    /// Make slugs and emails unique: the target is shared with other runs.
    unique: bool,
}

async fn run_on(s: &Scenario, case: Option<&Case>, conn: Conn) -> (Verdict, Vec<StepTrace>) {
    if let Some(c) = case
        && c.refused.is_some()
    {
        return (shape::expect_refusal(s, c, conn).await, vec![]);
    }
    if !conn.control
        && let Some(reason) = classify::blocked(s, case)
    {
        return (Verdict::NotRunnable { reason }, vec![]);
    }
    let mut run = match Run::setup(s, case, conn).await {
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
    let (end, cut) = reach(s, case.map(|c| &c.combination));
    let mut i = 0;
    while i < end {
        let step = &s.steps[i];
        let number = i + 1;
        let result = match step {
            Step::Expect(e) => run.check(e, i).await.map(|()| "ok".to_owned()),
            Step::OnlyIfModel(_) => Ok(match (&cut, i + 1 == end) {
                (Some(why), true) => why.clone(),
                _ => "ok: the model's prediction is one of these".to_owned(),
            }),
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
                    Some(Step::Expect(e)) if e.may_follow_an_error()
                );
                match &run.last_error {
                    Some(_) if !next_expects_error => Err(format!("step failed: {outcome}")),
                    _ => Ok(outcome),
                }
            }
        };
        let requests = run.new_requests().await;
        if !matches!(step, Step::Expect(_)) {
            run.last_requests = requests.iter().map(|r| r.line.clone()).collect();
        }
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
    /// The scenario as loaded (the model checks read its steps and matrix).
    scenario: Scenario,
    case: Option<Case>,
    service: MfaService<AnyFlowStore, ManualClock>,
    admin: StytchClient,
    /// Raw Stytch API calls the typed client has no request for (the matrix member's factors).
    http: reqwest::Client,
    control: mock_control::MockControl,
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
    /// The request lines of the last step that was not an `expect`.
    last_requests: Vec<String>,
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
}

fn method_names(v: &[Method]) -> Vec<String> {
    v.iter().map(|m| m.engine().as_str().to_owned()).collect()
}
