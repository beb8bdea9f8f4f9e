//! Runs one action sequence against the engine and the mock, checking the model after every
//! step. Holds what a user or an authenticator app would hold (codes seen, the TOTP secret, the
//! recovery codes, the last magic link) — never the engine's internals.

use mfa_engine::{FlowId, LoginStep, ServiceError};
use policy_matrix::{EngineStep, Methods, MfaPolicy, Phone, Totp};
use serde_json::json;
use stytch_client::secret::ExposeSecretStr;

use super::model::{ErrKind, Expect, Flow, Method, Model};
use crate::harness::{Env, TOTP_SECRET, totp_at};
use crate::observe;

#[derive(Clone, Debug)]
pub struct Setup {
    pub policy: MfaPolicy,
    pub restricted: Option<Methods>,
    pub enrolled: bool,
    pub phone_verified: bool,
    pub totp_active: bool,
}

#[derive(Clone, Debug)]
pub enum Action {
    /// Log in with a fresh magic link.
    Primary,
    /// Challenge: (re)send an SMS code; enrollment: enroll the test phone.
    SendSms,
    EnrollTotp,
    /// The right code for the current method (newest SMS / current TOTP step).
    RightCode,
    WrongCode,
    /// A TOTP code this many 30-second steps away from now.
    TotpAt(i64),
    /// A recovery code not used yet (or a used one when none is left).
    Recovery,
    /// Submit the last consumed code again.
    Replay,
    /// Move both clocks forward (31 s: next TOTP step; 121 s: past the SMS code; 601 s: past
    /// the IST; 3601 s: past the session and a pending TOTP registration).
    Jump(i64),
    /// An admin changes the organization's MFA policy and methods.
    Policy(MfaPolicy, Option<Methods>),
    /// The right code submitted twice at once.
    Duplicate,
    /// Click the last magic link again.
    ReplayMagicLink,
    /// An attacker holding the member's session presents the last consumed code straight to
    /// Stytch (the step-up path, where no IST is consumed to mask a reusable code).
    ReplayOnSession,
}

#[derive(Clone)]
enum Consumed {
    Code {
        value: String,
        method: Method,
        /// (secret, step) when it was a TOTP code.
        totp: Option<(String, i64)>,
    },
    Recovery(String),
}

struct Case<'a> {
    env: &'a Env,
    model: Model,
    org: String,
    member: String,
    email: String,
    flow: Option<FlowId>,
    totp_secret: Option<String>,
    recovery_codes: Vec<String>,
    consumed: Option<Consumed>,
    magic_link: Option<String>,
    /// The newest session the engine handed out, and when it expires (model time).
    session: Option<(String, i64)>,
    log: Vec<String>,
}

static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

pub async fn run(env: &Env, setup: &Setup, actions: &[Action]) -> Result<(), String> {
    let mut case = Case::new(env, setup).await?;
    for action in actions {
        case.log.push(format!("{action:?}"));
        case.step(action)
            .await
            .map_err(|e| format!("{e}\n  setup {setup:?}\n  steps {}", case.log.join(" → ")))?;
    }
    Ok(())
}

fn err_kind(e: &ServiceError) -> Result<ErrKind, String> {
    Ok(match e {
        ServiceError::WrongCode { .. } => ErrKind::WrongCode,
        ServiceError::TooManyAttempts => ErrKind::TooManyAttempts,
        ServiceError::Expired(_) => ErrKind::Expired,
        ServiceError::NotFound(_) => ErrKind::NotFound,
        ServiceError::WrongState(_) => ErrKind::WrongState,
        ServiceError::Transition(_) => ErrKind::Transition,
        ServiceError::Rejected(_) => ErrKind::Rejected,
        ServiceError::Locked => ErrKind::Locked,
        other => return Err(format!("unexpected engine error: {other}")),
    })
}

fn step_of(step: &LoginStep) -> EngineStep {
    observe::engine(&Ok(clone_step(step))).expect("a step maps")
}

fn clone_step(s: &LoginStep) -> LoginStep {
    match s {
        LoginStep::SignedIn(x) => LoginStep::SignedIn(x.clone()),
        LoginStep::Enroll(p) => LoginStep::Enroll(p.clone()),
        LoginStep::Challenge(p) => LoginStep::Challenge(p.clone()),
    }
}

impl<'a> Case<'a> {
    async fn new(env: &'a Env, s: &Setup) -> Result<Case<'a>, String> {
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        // The member's factors are set up first; the methods restriction comes last (a
        // restricted organization refuses to register a method it does not allow).
        let org = env
            .create_org(&format!("random-{n}"), json!({ "mfa_policy": "OPTIONAL" }))
            .await
            .map_err(|e| format!("org: {e:?}"))?;
        let email = format!("random-{n}@example.com");
        let phone = s.phone_verified.then_some(true);
        let member = env
            .migrate_member(&org, &email, phone)
            .await
            .map_err(|e| format!("member: {e:?}"))?;
        let mut recovery_codes = Vec::new();
        let mut totp_secret = None;
        if s.totp_active {
            recovery_codes = env
                .totp_migrate(&org, &member)
                .await
                .map_err(|e| format!("totp: {e:?}"))?;
            totp_secret = Some(TOTP_SECRET.to_owned());
        }
        env.update_member(&org, &member, json!({ "mfa_enrolled": s.enrolled }))
            .await
            .map_err(|e| format!("update: {e:?}"))?;
        env.update_org(&org, org_rules(s.policy, s.restricted))
            .await
            .map_err(|e| format!("org rules: {e:?}"))?;
        let model = Model {
            policy: s.policy,
            restricted: s.restricted,
            member: policy_matrix::MemberShape {
                mfa_enrolled: s.enrolled,
                phone: if s.phone_verified {
                    Phone::Verified
                } else {
                    Phone::None
                },
                totp: if s.totp_active {
                    Totp::Active
                } else {
                    Totp::None
                },
                default_mfa_method: policy_matrix::DefaultMfa::None,
            },
            flow: Flow::Never,
            flow_needed_mfa: false,
            now: env.mock_now().await,
            sms: None,
            totp_last_step: None,
            recovery_used: vec![false; recovery_codes.len()],
            fails_in_row: 0,
            locked_until: None,
        };
        Ok(Case {
            env,
            model,
            org,
            member,
            email,
            flow: None,
            totp_secret,
            recovery_codes,
            consumed: None,
            magic_link: None,
            session: None,
            log: Vec::new(),
        })
    }

    async fn step(&mut self, action: &Action) -> Result<(), String> {
        let (expect, got) = self.act(action).await?;
        tally(action, &expect, &got);
        match (&expect, &got) {
            (Expect::Skip, _) => {}
            (Expect::OneOfTwoSignsIn, _) => {}
            (Expect::Step(want), Ok(step)) => {
                if &step_of(step) != want {
                    return Err(format!(
                        "{action:?}: model {want:?}, engine {:?}",
                        step_of(step)
                    ));
                }
            }
            (Expect::Err(want), Err(e)) => {
                if err_kind(e)? != *want {
                    return Err(format!("{action:?}: model error {want:?}, engine {e}"));
                }
            }
            (Expect::Step(want), Err(e)) => {
                return Err(format!("{action:?}: model {want:?}, engine error {e}"));
            }
            (Expect::Err(want), Ok(step)) => {
                return Err(format!(
                    "{action:?}: model error {want:?}, engine {:?}",
                    step_of(step)
                ));
            }
        }
        if let Ok(LoginStep::SignedIn(s)) = &got {
            self.check_session(s).await?;
            let expires = self.model.now + super::model::SESSION_TTL;
            self.session = Some((s.session_token.expose_secret().to_owned(), expires));
        }
        self.check_state().await
    }

    /// Perform the action; the model's expectation and the engine's answer.
    async fn act(
        &mut self,
        action: &Action,
    ) -> Result<(Expect, Result<LoginStep, ServiceError>), String> {
        let svc = &self.env.service;
        let none = || Err(ServiceError::Inconsistent("not called".into()));
        Ok(match action {
            Action::Primary => {
                let token = self
                    .env
                    .magic_link_token(&self.org, &self.email, &self.member)
                    .await;
                self.magic_link = Some(token.clone());
                let got = svc.login_with_magic_link(token.into()).await;
                if let Ok(step) = &got {
                    self.flow = Some(step.flow_id());
                }
                (self.model.primary(), got)
            }
            Action::SendSms => {
                let Some(id) = self.flow else {
                    return Ok((Expect::Skip, none()));
                };
                let expect = self.model.clone().send_sms();
                if expect == Expect::Skip {
                    return Ok((expect, none()));
                }
                let got = if matches!(self.model.flow, Flow::Enroll { .. }) {
                    svc.enroll_sms(id, crate::harness::PHONE)
                        .await
                        .map(LoginStep::Enroll)
                } else {
                    svc.send_sms_code(id).await.map(LoginStep::Challenge)
                };
                (self.model.send_sms(), got)
            }
            Action::EnrollTotp => {
                let Some(id) = self.flow else {
                    return Ok((Expect::Skip, none()));
                };
                let got = svc.enroll_totp(id).await;
                let expect = self.model.enroll_totp();
                let got = got.map(|setup| {
                    self.totp_secret = Some(setup.secret.expose_secret().to_owned());
                    self.recovery_codes = setup
                        .recovery_codes
                        .iter()
                        .map(|c| c.expose_secret().to_owned())
                        .collect();
                    LoginStep::Enroll(setup.prompt)
                });
                (expect, got)
            }
            Action::RightCode => {
                let (code, step, live) = self.right_code().await;
                self.submit(code, step, live).await?
            }
            Action::WrongCode => {
                let code = self.wrong_code().await;
                self.submit(code, None, false).await?
            }
            Action::TotpAt(k) => match self.totp_secret.clone() {
                None => (Expect::Skip, none()),
                Some(secret) => {
                    let at = self.model.now + 30 * k;
                    let code = totp_at(&secret, at);
                    self.submit(code, Some(at.div_euclid(30)), false).await?
                }
            },
            Action::Recovery => {
                if self.recovery_codes.is_empty() || self.flow.is_none() {
                    return Ok((Expect::Skip, none()));
                }
                let fresh = self.model.recovery_used.iter().position(|u| !u);
                let i = fresh.unwrap_or(0);
                let code = self.recovery_codes[i].clone();
                let got = svc
                    .submit_recovery_code(self.flow.expect("checked"), code.clone().into())
                    .await;
                let expect = self.model.recovery(fresh.is_some());
                if matches!(got, Ok(LoginStep::SignedIn(_))) {
                    self.model.recovery_used[i] = true;
                    self.consumed = Some(Consumed::Recovery(code));
                }
                (expect, got)
            }
            Action::Replay => match self.consumed.clone() {
                None => (Expect::Skip, none()),
                Some(Consumed::Recovery(code)) => {
                    let got = svc
                        .submit_recovery_code(self.flow.expect("a flow consumed it"), code.into())
                        .await;
                    (self.model.recovery(false), got)
                }
                Some(Consumed::Code { value, totp, .. }) => {
                    let step = totp
                        .filter(|(s, _)| Some(s) == self.totp_secret.as_ref())
                        .map(|(_, step)| step);
                    self.submit(value, step, false).await?
                }
            },
            Action::Jump(seconds) => {
                self.env.advance_clock(*seconds).await;
                self.model.now += seconds;
                (Expect::Skip, none())
            }
            Action::Policy(policy, restricted) => {
                self.env
                    .update_org(&self.org, org_rules(*policy, *restricted))
                    .await
                    .map_err(|e| format!("policy change refused: {e:?}"))?;
                self.model.policy = *policy;
                self.model.restricted = *restricted;
                (Expect::Skip, none())
            }
            Action::Duplicate => return self.duplicate().await,
            Action::ReplayOnSession => {
                if let (Some(consumed), Some((session, expires))) =
                    (self.consumed.clone(), self.session.clone())
                {
                    let live = self.model.now < expires;
                    let how = self.replay_on_session(consumed, &session, live).await?;
                    *OUTCOMES
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .entry(format!("ReplayOnSession (performed) → {how}"))
                        .or_insert(0) += 1;
                }
                (Expect::Skip, none())
            }
            Action::ReplayMagicLink => match self.magic_link.clone() {
                None => (Expect::Skip, none()),
                Some(token) => (
                    Expect::Err(ErrKind::Rejected),
                    svc.login_with_magic_link(token.into()).await,
                ),
            },
        })
    }

    /// Submit a code on the path the flow's state calls for (enrollment confirm / challenge).
    async fn submit(
        &mut self,
        code: String,
        totp_step: Option<i64>,
        sms_live: bool,
    ) -> Result<(Expect, Result<LoginStep, ServiceError>), String> {
        let Some(id) = self.flow else {
            return Ok((
                Expect::Skip,
                Err(ServiceError::Inconsistent("no flow".into())),
            ));
        };
        let got = if matches!(self.model.flow, Flow::Enroll { .. }) {
            self.env
                .service
                .confirm_enrollment(id, code.clone().into())
                .await
        } else {
            self.env.service.submit_code(id, code.clone().into()).await
        };
        let method = current_method(&self.model);
        let expect = self.model.submit(totp_step, sms_live);
        if matches!(got, Ok(LoginStep::SignedIn(_))) {
            let totp = match (method, &self.totp_secret, totp_step) {
                (Some(Method::Totp), Some(s), Some(step)) => Some((s.clone(), step)),
                _ => None,
            };
            let method = method.expect("a code was accepted for a method");
            self.consumed = Some(Consumed::Code {
                value: code,
                method,
                totp,
            });
        }
        Ok((expect, got))
    }

    /// The right code for the flow's current method, its TOTP step, and whether it is the
    /// member's newest SMS code.
    async fn right_code(&self) -> (String, Option<i64>, bool) {
        match current_method(&self.model) {
            Some(Method::Sms) => match self.env.latest_sms(&self.member).await {
                Some((_, code)) => (code, None, true),
                None => ("000000".into(), None, false),
            },
            Some(Method::Totp) => match &self.totp_secret {
                Some(s) => (
                    totp_at(s, self.model.now),
                    Some(self.model.now.div_euclid(30)),
                    false,
                ),
                None => ("000000".into(), None, false),
            },
            None => ("000000".into(), None, false),
        }
    }

    /// A code that is none of the codes that would be accepted now.
    async fn wrong_code(&self) -> String {
        let mut taken = Vec::new();
        if let Some((_, c)) = self.env.latest_sms(&self.member).await {
            taken.push(c);
        }
        if let Some(s) = &self.totp_secret {
            for k in -1..=1 {
                taken.push(totp_at(s, self.model.now + 30 * k));
            }
        }
        ["000000", "111111", "222222", "333333", "444444"]
            .into_iter()
            .find(|c| !taken.iter().any(|t| t == c))
            .expect("five candidates, at most four taken")
            .to_owned()
    }

    async fn duplicate(&mut self) -> Result<(Expect, Result<LoginStep, ServiceError>), String> {
        let none = || Err(ServiceError::Inconsistent("not called".into()));
        let Some(id) = self.flow else {
            return Ok((Expect::Skip, none()));
        };
        let (code, step, live) = self.right_code().await;
        let mut trial = self.model.clone();
        if trial.submit(step, live) != Expect::Step(EngineStep::SignedIn) {
            return Ok((Expect::Skip, none()));
        }
        let svc = &self.env.service;
        let enrolling = matches!(self.model.flow, Flow::Enroll { .. });
        let one = || async {
            if enrolling {
                svc.confirm_enrollment(id, code.clone().into()).await
            } else {
                svc.submit_code(id, code.clone().into()).await
            }
        };
        let (a, b) = tokio::join!(one(), one());
        let wins = [&a, &b]
            .iter()
            .filter(|r| matches!(r, Ok(LoginStep::SignedIn(_))))
            .count();
        if wins != 1 {
            return Err(format!(
                "duplicate submission: {wins} sessions issued ({a:?} / {b:?})"
            ));
        }
        let method = current_method(&self.model);
        self.model.submit(step, live);
        let totp = match (method, &self.totp_secret, step) {
            (Some(Method::Totp), Some(s), Some(step)) => Some((s.clone(), step)),
            _ => None,
        };
        self.consumed = Some(Consumed::Code {
            value: code,
            method: method.expect("a code was accepted for a method"),
            totp,
        });
        let winner = if matches!(a, Ok(LoginStep::SignedIn(_))) {
            a
        } else {
            b
        };
        Ok((Expect::OneOfTwoSignsIn, winner))
    }

    /// A consumed code must be refused *as spent* — not for some other reason that would hide
    /// a reusable code.
    async fn replay_on_session(
        &mut self,
        consumed: Consumed,
        session: &str,
        session_live: bool,
    ) -> Result<&'static str, String> {
        let (path, code_field, value, spent) = match &consumed {
            Consumed::Code {
                value,
                method: Method::Sms,
                ..
            } => (
                "/v1/b2b/otps/sms/authenticate",
                "code",
                value,
                // The old code meets the member's newest SMS code, which may already be dead
                // from five wrong tries (found by this test: 4 wrong codes, then the in-flow
                // replay as the fifth): refused either way, never accepted.
                &[
                    "unable_to_auth_otp_code",
                    "otp_code_not_found",
                    "otp_code_attempts_exceeded",
                ][..],
            ),
            Consumed::Code { value, .. } => (
                "/v1/b2b/totp/authenticate",
                "code",
                value,
                &[
                    "totp_code_already_authenticated",
                    "unable_to_authenticate_totp",
                ][..],
            ),
            Consumed::Recovery(value) => (
                "/v1/b2b/recovery_codes/recover",
                "recovery_code",
                value,
                &[
                    "unable_to_authenticate_recovery_code",
                    "recovery_code_not_found",
                ][..],
            ),
        };
        let method = match &consumed {
            Consumed::Code {
                method: Method::Sms,
                ..
            } => Method::Sms,
            _ => Method::Totp,
        };
        let allowed = match method {
            Method::Sms => self.model.allowed().sms,
            Method::Totp => self.model.allowed().totp,
        };
        let expect = self.model.raw_attempt(method, allowed, session_live);
        let got = self
            .env
            .post(
                path,
                json!({"organization_id": self.org, "member_id": self.member,
                       code_field: value, "session_token": session}),
            )
            .await;
        match (got, expect) {
            (Ok(_), _) => Err(format!("a consumed code worked twice ({path})")),
            (Err(r), Some(true)) if spent.contains(&r.error_type.as_str()) => {
                Ok("refused as spent")
            }
            (Err(r), Some(false)) if r.error_type == "user_lock_limit_reached" => {
                Ok("refused: member locked")
            }
            // A dead session or a method the organization no longer allows refuses before any
            // code is looked at.
            (Err(r), None)
                if matches!(
                    r.error_type.as_str(),
                    "session_not_found" | "operation_restricted_by_organization_mfa_methods"
                ) =>
            {
                Ok("refused before the code check")
            }
            (Err(r), want) => Err(format!(
                "replayed code: model {want:?} (Some(true) spent, Some(false) locked, None dead \
                 session or method not allowed), mock {r:?}"
            )),
        }
    }

    /// No session without the factors the policy demands: ask Stytch what the session holds.
    async fn check_session(&self, s: &mfa_engine::SignedIn) -> Result<(), String> {
        let v = self
            .env
            .post(
                "/v1/b2b/sessions/authenticate",
                json!({ "session_token": s.session_token.expose_secret() }),
            )
            .await
            .map_err(|e| format!("issued session is not live: {e:?}"))?;
        let factors = v["member_session"]["authentication_factors"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let has_mfa = factors.iter().any(|f| {
            matches!(
                f["type"].as_str(),
                Some("otp") | Some("totp") | Some("recovery_codes")
            )
        });
        if self.model.session_needs_mfa_factor() && !has_mfa {
            return Err(format!(
                "a session was issued without an MFA factor although the policy demands one: {factors:?}"
            ));
        }
        Ok(())
    }

    /// The engine's stored state equals the model's.
    async fn check_state(&self) -> Result<(), String> {
        let (Some(id), Some(want)) = (self.flow, self.model.resume()) else {
            return Ok(());
        };
        let got = self.env.service.resume(id).await;
        match (&want, &got) {
            (Ok(w), Ok(step)) => {
                if &step_of(step) != w {
                    return Err(format!("state: model {w:?}, engine {:?}", step_of(step)));
                }
                let details = match step {
                    LoginStep::Enroll(p) => Some((
                        p.attempts_left,
                        p.started.as_ref().map(|s| match s.method() {
                            mfa_engine::MfaMethod::Sms => Method::Sms,
                            mfa_engine::MfaMethod::Totp => Method::Totp,
                        }),
                    )),
                    LoginStep::Challenge(p) => Some((p.attempts_left, None)),
                    LoginStep::SignedIn(_) => None,
                };
                if details != self.model.prompt_details() {
                    return Err(format!(
                        "state details (attempts left, started): model {:?}, engine {details:?}",
                        self.model.prompt_details()
                    ));
                }
                Ok(())
            }
            (Err(w), Err(e)) if err_kind(e)? == *w => Ok(()),
            _ => Err(format!("state: model {want:?}, engine {got:?}")),
        }
    }
}

/// How often each action ended which way, over the whole run (printed at the end, so a run
/// shows it exercised the paths it claims to).
pub static OUTCOMES: std::sync::Mutex<std::collections::BTreeMap<String, usize>> =
    std::sync::Mutex::new(std::collections::BTreeMap::new());

fn tally(action: &Action, expect: &Expect, got: &Result<LoginStep, ServiceError>) {
    let name = format!("{action:?}");
    let name = name.split('(').next().unwrap_or_default();
    let outcome = match (expect, got) {
        (Expect::Skip, _) => "not applicable".to_owned(),
        (_, Ok(LoginStep::SignedIn(_))) => "signed in".to_owned(),
        (_, Ok(LoginStep::Enroll(_))) => "enroll".to_owned(),
        (_, Ok(LoginStep::Challenge(_))) => "challenge".to_owned(),
        (_, Err(e)) => err_kind(e).map_or_else(|e| e, |k| format!("{k:?}")),
    };
    *OUTCOMES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(format!("{name} → {outcome}"))
        .or_insert(0) += 1;
}

fn org_rules(policy: MfaPolicy, restricted: Option<Methods>) -> serde_json::Value {
    json!({
        "mfa_policy": policy.wire(),
        "mfa_methods": if restricted.is_some() { "RESTRICTED" } else { "ALL_ALLOWED" },
        "allowed_mfa_methods": restricted.unwrap_or(Methods::NONE).names(),
    })
}

fn current_method(m: &Model) -> Option<Method> {
    match &m.flow {
        Flow::Challenge { method, .. } => Some(*method),
        Flow::Enroll { started, .. } => *started,
        _ => None,
    }
}
