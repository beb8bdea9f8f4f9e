//! The state-machine model of one member's logins: the organization's rules, the member's
//! factors, the current flow, and every one-time secret's life (SMS code, TOTP steps, recovery
//! codes). `apply` says what an action must produce; the driver checks the engine against it.
//!
//! Primary routing is not re-derived here: it is the reference model (`policy_matrix::decide`)
//! applied to the member as this model has evolved it. Must never read the engine's or the
//! mock's state to decide an expectation — only the inputs the test chose.

use policy_matrix::{
    AuthMethods, Combination, DefaultMfa, EngineStep, EntryPoint, MemberShape, Methods,
    MfaMethodRule, MfaPolicy, OrgPolicy, Phone, Totp, decide,
};

/// Wrong codes a flow survives (`EngineConfig::default().max_failures`).
pub const MAX_FAILURES: u32 = 5;
/// An SMS code lives 2 minutes (CONTRACT §1.9).
pub const SMS_TTL: i64 = 120;
pub const SESSION_TTL: i64 = 3600;
/// Failed MFA attempts in a row that lock the member, and for how long (the mock's defaults;
/// CONTRACT §1.9 leaves the threshold UNCONFIRMED). The attempt that reaches it still gets its
/// own wrong-code answer; the lock applies from the next attempt.
pub const LOCK_THRESHOLD: u32 = 10;
pub const LOCK_SECONDS: i64 = 3600;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Sms,
    Totp,
}

impl Method {
    pub fn wire(self) -> &'static str {
        match self {
            Method::Sms => "sms_otp",
            Method::Totp => "totp",
        }
    }
}

/// The current flow as the engine must show it (`resume`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Flow {
    /// No flow was started yet.
    Never,
    /// The flow row is gone (too many wrong codes).
    Deleted,
    Enroll {
        offered: Methods,
        started: Option<Method>,
        failures: u32,
        expires: i64,
    },
    Challenge {
        method: Method,
        available: Methods,
        sms_sent: bool,
        failures: u32,
        expires: i64,
    },
    Session {
        expires: i64,
    },
}

/// What an action must return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    Step(EngineStep),
    /// Any `ServiceError` of this kind.
    Err(ErrKind),
    /// A concurrent duplicate: exactly one of the two signs in.
    OneOfTwoSignsIn,
    /// The action does not apply (no flow to act on); nothing is called.
    Skip,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrKind {
    WrongCode,
    TooManyAttempts,
    Expired,
    NotFound,
    WrongState,
    Transition,
    Rejected,
    Locked,
}

#[derive(Clone, Debug)]
pub struct Model {
    pub policy: MfaPolicy,
    /// `None`: ALL_ALLOWED; `Some(list)`: RESTRICTED to a non-empty list.
    pub restricted: Option<Methods>,
    pub member: MemberShape,
    pub flow: Flow,
    /// The flow was started while MFA was required (a session then needs an MFA factor).
    pub flow_needed_mfa: bool,
    pub now: i64,
    /// The member's live SMS code: sent at, wrong tries, used.
    pub sms: Option<SmsCode>,
    /// Newest TOTP step accepted for the member's registration.
    pub totp_last_step: Option<i64>,
    /// Recovery codes of the registration in use, and whether each is spent.
    pub recovery_used: Vec<bool>,
    /// Failed MFA attempts in a row (the user lock's count) and the lock, if any.
    pub fails_in_row: u32,
    pub locked_until: Option<i64>,
}

#[derive(Clone, Debug)]
pub struct SmsCode {
    pub sent_at: i64,
    pub tries: u32,
    pub used: bool,
}

impl SmsCode {
    fn live(&self, now: i64) -> bool {
        !self.used && now < self.sent_at + SMS_TTL && self.tries < MAX_FAILURES
    }
}

impl Model {
    pub fn allowed(&self) -> Methods {
        self.restricted.unwrap_or(Methods::ALL)
    }

    pub fn combination(&self) -> Combination {
        Combination {
            org: OrgPolicy {
                mfa_policy: self.policy,
                mfa_methods: MfaMethodRule {
                    restricted: self.restricted.is_some(),
                    allowed_list: self.restricted.unwrap_or(Methods::NONE),
                },
                auth_methods: AuthMethods::AllAllowed,
            },
            member: self.member,
            entry: EntryPoint::MagicLink,
            same_member_session: false,
        }
    }

    fn expired(&self) -> bool {
        match &self.flow {
            Flow::Enroll { expires, .. }
            | Flow::Challenge { expires, .. }
            | Flow::Session { expires } => self.now >= *expires,
            _ => false,
        }
    }

    /// Errors every flow-addressed action gets before anything else.
    fn gate(&self) -> Option<ErrKind> {
        match self.flow {
            Flow::Never => None,
            Flow::Deleted => Some(ErrKind::NotFound),
            _ if self.expired() => Some(ErrKind::Expired),
            _ => None,
        }
    }

    /// Primary authentication (magic link): the reference model decides.
    pub fn primary(&mut self) -> Expect {
        let outcome = decide(&self.combination());
        self.flow_needed_mfa = !matches!(outcome.engine, EngineStep::SignedIn);
        let ist_expires = self.now + 600;
        if let policy_matrix::Response::MfaRequired {
            sms_auto_sent: true,
            ..
        } = outcome.response
        {
            self.sms_sent();
        }
        self.flow = match &outcome.engine {
            EngineStep::SignedIn => Flow::Session {
                expires: self.now + SESSION_TTL,
            },
            EngineStep::Enroll { offered } => Flow::Enroll {
                offered: *offered,
                started: None,
                failures: 0,
                expires: ist_expires,
            },
            EngineStep::Challenge {
                method,
                available,
                sms_sent,
                ..
            } => Flow::Challenge {
                method: if *method == "sms_otp" {
                    Method::Sms
                } else {
                    Method::Totp
                },
                available: *available,
                sms_sent: *sms_sent,
                failures: 0,
                expires: ist_expires,
            },
            EngineStep::PrimaryRequired => unreachable!("auth_methods is ALL_ALLOWED here"),
        };
        Expect::Step(outcome.engine)
    }

    fn sms_sent(&mut self) {
        self.sms = Some(SmsCode {
            sent_at: self.now,
            tries: 0,
            used: false,
        });
    }

    /// "Send me a code" (challenge: switch to SMS; enrollment: enroll this phone).
    pub fn send_sms(&mut self) -> Expect {
        if self.flow == Flow::Never {
            return Expect::Skip;
        }
        if let Some(e) = self.gate() {
            return Expect::Err(e);
        }
        let allowed_now = self.allowed().sms;
        match &mut self.flow {
            Flow::Challenge {
                method,
                available,
                sms_sent,
                ..
            } => {
                if !available.sms {
                    return Expect::Err(ErrKind::Transition);
                }
                if !allowed_now {
                    return Expect::Err(ErrKind::Rejected);
                }
                *method = Method::Sms;
                *sms_sent = true;
            }
            Flow::Enroll {
                offered,
                started,
                failures,
                ..
            } => {
                if !offered.sms {
                    return Expect::Err(ErrKind::Transition);
                }
                // R6: an unverified phone is an enrollment; an active TOTP needs an MFA holder.
                if !allowed_now
                    || (self.member.phone != Phone::Verified && self.member.totp == Totp::Active)
                {
                    return Expect::Err(ErrKind::Rejected);
                }
                if *started != Some(Method::Sms) {
                    *failures = 0;
                }
                *started = Some(Method::Sms);
                if self.member.phone == Phone::None {
                    self.member.phone = Phone::Unverified;
                }
            }
            Flow::Session { .. } => return Expect::Err(ErrKind::WrongState),
            Flow::Never | Flow::Deleted => unreachable!("gated"),
        }
        self.sms_sent();
        Expect::Step(self.step())
    }

    /// Enrollment: create a TOTP registration. Returns whether the driver gets a new secret.
    pub fn enroll_totp(&mut self) -> Expect {
        if self.flow == Flow::Never {
            return Expect::Skip;
        }
        if let Some(e) = self.gate() {
            return Expect::Err(e);
        }
        let allowed_now = self.allowed().totp;
        match &mut self.flow {
            Flow::Enroll {
                offered,
                started,
                failures,
                ..
            } => {
                if !offered.totp {
                    return Expect::Err(ErrKind::Transition);
                }
                if !allowed_now
                    || self.member.totp == Totp::Active
                    || self.member.phone == Phone::Verified
                {
                    return Expect::Err(ErrKind::Rejected);
                }
                if *started != Some(Method::Totp) {
                    *failures = 0;
                }
                *started = Some(Method::Totp);
            }
            Flow::Challenge { .. } | Flow::Session { .. } => {
                return Expect::Err(ErrKind::WrongState);
            }
            Flow::Never | Flow::Deleted => unreachable!("gated"),
        }
        self.member.totp = Totp::Pending;
        self.totp_last_step = None;
        self.recovery_used = vec![false; 10];
        Expect::Step(self.step())
    }

    /// The method a submitted code is checked against, or why the submission is refused early.
    fn code_method(&self) -> Result<Method, ErrKind> {
        match &self.flow {
            Flow::Challenge { method, .. } => Ok(*method),
            Flow::Enroll {
                started: Some(m), ..
            } => Ok(*m),
            // Waiting for a method choice, not a code: the wrong state (the engine's typestates
            // make confirming an unstarted enrollment a compile error; at run time it is this).
            Flow::Enroll { started: None, .. } => Err(ErrKind::WrongState),
            Flow::Session { .. } => Err(ErrKind::WrongState),
            Flow::Never | Flow::Deleted => Err(ErrKind::NotFound),
        }
    }

    /// A code for the current method. `totp_step`: the step the code belongs to (TOTP only);
    /// `sms_is_live_code`: the driver submits the member's newest SMS code (else a wrong one).
    pub fn submit(&mut self, totp_step: Option<i64>, sms_is_live_code: bool) -> Expect {
        if self.flow == Flow::Never {
            return Expect::Skip;
        }
        if let Some(e) = self.gate() {
            return Expect::Err(e);
        }
        let method = match self.code_method() {
            Ok(m) => m,
            Err(e) => return Expect::Err(e),
        };
        let allowed_now = match method {
            Method::Sms => self.allowed().sms,
            Method::Totp => self.allowed().totp,
        };
        if !allowed_now {
            return Expect::Err(ErrKind::Rejected);
        }
        if let Some(locked) = self.lock_gate() {
            return locked;
        }
        let accepted = match method {
            Method::Sms => {
                let live = self.sms.as_ref().is_some_and(|c| c.live(self.now));
                if !(live && sms_is_live_code)
                    && let Some(c) = self.sms.as_mut()
                {
                    c.tries += 1;
                }
                live && sms_is_live_code
            }
            Method::Totp => {
                let current = self.now.div_euclid(30);
                totp_step.is_some_and(|s| {
                    (s - current).abs() <= 1 && self.totp_last_step.is_none_or(|last| s > last)
                })
            }
        };
        if !accepted {
            return self.wrong();
        }
        match method {
            Method::Sms => {
                if let Some(c) = self.sms.as_mut() {
                    c.used = true;
                }
                self.member.phone = Phone::Verified;
            }
            Method::Totp => {
                self.totp_last_step = totp_step;
                self.member.totp = Totp::Active;
            }
        }
        self.mfa_succeeded(Some(method));
        Expect::Step(EngineStep::SignedIn)
    }

    /// A recovery code: `fresh` — one not used before.
    pub fn recovery(&mut self, fresh: bool) -> Expect {
        if self.flow == Flow::Never {
            return Expect::Skip;
        }
        if let Some(e) = self.gate() {
            return Expect::Err(e);
        }
        match &self.flow {
            Flow::Challenge { available, .. } if available.totp => {}
            Flow::Challenge { .. } => return Expect::Err(ErrKind::Transition),
            Flow::Enroll { .. } | Flow::Session { .. } => return Expect::Err(ErrKind::WrongState),
            Flow::Never | Flow::Deleted => unreachable!("gated"),
        }
        if !self.allowed().totp {
            return Expect::Err(ErrKind::Rejected);
        }
        if let Some(locked) = self.lock_gate() {
            return locked;
        }
        if !fresh {
            return self.wrong();
        }
        self.mfa_succeeded(None);
        Expect::Step(EngineStep::SignedIn)
    }

    /// A locked member's attempt is refused before its code is looked at, and the engine drops
    /// the flow; an expired lock is lifted by the attempt.
    fn lock_gate(&mut self) -> Option<Expect> {
        match self.locked_until {
            Some(until) if self.now < until => {
                self.flow = Flow::Deleted;
                Some(Expect::Err(ErrKind::Locked))
            }
            Some(_) => {
                self.locked_until = None;
                self.fails_in_row = 0;
                None
            }
            None => None,
        }
    }

    /// One failed attempt reached the code check: count it toward the user lock.
    pub fn count_failure(&mut self) {
        self.fails_in_row += 1;
        if self.fails_in_row >= LOCK_THRESHOLD {
            self.locked_until = Some(self.now + LOCK_SECONDS);
            self.fails_in_row = 0;
        }
    }

    /// An attacker presents a code straight to Stytch with a session: `Some(true)` if it must be
    /// refused as spent (and counts as a failure), `Some(false)` if the member is locked, `None`
    /// if it is refused before any code is looked at (dead session, method not allowed).
    ///
    /// A replayed SMS code is checked against the member's newest SMS code, so while that code
    /// is live the attempt is one of its wrong tries too (found by this test: two replays among
    /// wrong codes exhausted a live code the model still counted as usable).
    pub fn raw_attempt(
        &mut self,
        method: Method,
        method_allowed: bool,
        session_live: bool,
    ) -> Option<bool> {
        if !session_live || !method_allowed {
            return None;
        }
        match self.locked_until {
            Some(until) if self.now < until => return Some(false),
            Some(_) => {
                self.locked_until = None;
                self.fails_in_row = 0;
            }
            None => {}
        }
        let now = self.now;
        if method == Method::Sms
            && let Some(c) = self.sms.as_mut().filter(|c| c.live(now))
        {
            c.tries += 1;
        }
        self.count_failure();
        Some(true)
    }

    fn wrong(&mut self) -> Expect {
        self.count_failure();
        match &mut self.flow {
            Flow::Enroll { failures, .. } | Flow::Challenge { failures, .. } => {
                *failures += 1;
                if *failures >= MAX_FAILURES {
                    self.flow = Flow::Deleted;
                    return Expect::Err(ErrKind::TooManyAttempts);
                }
            }
            _ => unreachable!("only a pending flow checks codes"),
        }
        Expect::Err(ErrKind::WrongCode)
    }

    /// R5 side effects of a completed MFA; the flow becomes a session.
    fn mfa_succeeded(&mut self, method: Option<Method>) {
        self.fails_in_row = 0;
        if self.policy == MfaPolicy::RequiredForAll {
            self.member.mfa_enrolled = true;
        }
        if self.member.default_mfa_method == DefaultMfa::None {
            self.member.default_mfa_method = match method {
                Some(Method::Sms) => DefaultMfa::Sms,
                Some(Method::Totp) => DefaultMfa::Totp,
                None => DefaultMfa::None,
            };
        }
        self.flow = Flow::Session {
            expires: self.now + SESSION_TTL,
        };
    }

    /// What `resume` must show for the current flow (or its error).
    pub fn step(&self) -> EngineStep {
        match &self.flow {
            Flow::Session { .. } => EngineStep::SignedIn,
            Flow::Enroll { offered, .. } => EngineStep::Enroll { offered: *offered },
            Flow::Challenge {
                method,
                available,
                sms_sent,
                ..
            } => EngineStep::Challenge {
                method: method.wire(),
                available: *available,
                sms_sent: *sms_sent,
                recovery_code: available.totp,
            },
            Flow::Never | Flow::Deleted => unreachable!("no step without a flow"),
        }
    }

    /// The flow's remaining attempts and started method, as the prompts show them.
    pub fn prompt_details(&self) -> Option<(u32, Option<Method>)> {
        match &self.flow {
            Flow::Enroll {
                started, failures, ..
            } => Some((MAX_FAILURES - failures, *started)),
            Flow::Challenge { failures, .. } => Some((MAX_FAILURES - failures, None)),
            _ => None,
        }
    }

    /// The state `resume` must report: a step, or an error kind.
    pub fn resume(&self) -> Option<Result<EngineStep, ErrKind>> {
        match self.flow {
            Flow::Never => None,
            Flow::Deleted => Some(Err(ErrKind::NotFound)),
            _ if self.expired() => Some(Err(ErrKind::Expired)),
            _ => Some(Ok(self.step())),
        }
    }

    /// Is a session justified right now? (R1 satisfied without MFA, or MFA just completed.)
    pub fn session_needs_mfa_factor(&self) -> bool {
        self.flow_needed_mfa
    }
}
