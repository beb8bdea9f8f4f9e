//! The service layer: one async method per user action. Each does load → call Stytch →
//! transition → save, so an app never touches a typestate or a token it does not need.
//!
//! | user action | method |
//! |---|---|
//! | click a magic link / submit a password / SSO / OAuth / reset | `login_with_*` → [`LoginStep`] |
//! | pick SMS and enter a phone / pick TOTP | [`MfaService::enroll_sms`] / [`MfaService::enroll_totp`] |
//! | type the enrollment code | [`MfaService::confirm_enrollment`] |
//! | type the MFA code / a recovery code | [`MfaService::submit_code`] / [`MfaService::submit_recovery_code`] |
//! | "use another method" / "resend SMS" | [`MfaService::use_method`] / [`MfaService::send_sms_code`] |
//! | signed in: add a factor / step up | [`MfaService::begin_enrollment`] / [`MfaService::begin_step_up`] |
//!
//! Files: `primary.rs` (entry points), `enroll.rs`, `challenge.rs`, `session.rs` (the
//! session-holding path, logout), `error.rs` (errors, retry), `rejection.rs` (Stytch's
//! `error_type`s). Must never log a code, token or password.

mod challenge;
mod enroll;
mod error;
mod primary;
mod rejection;
mod session;

use chrono::{DateTime, Duration, Utc};
use stytch_client::{SessionJwt, SessionToken, StytchClient, StytchError};

pub use error::{ErrorKind, Retry, ServiceError};
use rejection::{CodeFailure, classify};

use crate::flow::{
    AfterFailure, AfterPrimary, AnyChallenge, AnyEnrollment, AnyLoginFlow, ChallengePending,
    EnrollmentStarted, FlowId, FlowState, LoginFlow, MemberSession,
};
use crate::kind::Method;
use crate::method::{MethodSet, MfaMethod};
use crate::proof::Expected;
use crate::store::{FlowStore, SqliteFlowStore};
use crate::time::{Clock, SystemClock};

/// Knobs of the engine; `Default` is what Stytch documents.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// Wrong codes allowed per flow (per enrollment method) before the flow is dropped.
    pub max_failures: u32,
    /// Sent as `session_duration_minutes` when a session is minted; `None`: Stytch's 60.
    pub session_duration_minutes: Option<u32>,
    /// Assumed session lifetime when Stytch does not report `expires_at`.
    pub session_lifetime: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            max_failures: 5,
            session_duration_minutes: None,
            session_lifetime: Duration::minutes(60),
        }
    }
}

/// What the app shows next.
#[derive(Debug)]
pub enum LoginStep {
    SignedIn(SignedIn),
    /// The member must (or chose to) set up a factor.
    Enroll(EnrollPrompt),
    /// The member must enter a code.
    Challenge(ChallengePrompt),
}

impl LoginStep {
    pub fn flow_id(&self) -> FlowId {
        match self {
            LoginStep::SignedIn(s) => s.flow_id,
            LoginStep::Enroll(p) => p.flow_id,
            LoginStep::Challenge(p) => p.flow_id,
        }
    }
}

/// The member holds a session; the flow stays stored (for step-up / enrollment) until expiry
/// or logout. `Debug` shows no secret.
#[derive(Clone, Debug)]
pub struct SignedIn {
    pub flow_id: FlowId,
    pub member_id: String,
    pub organization_id: String,
    pub session_token: SessionToken,
    pub session_jwt: Option<SessionJwt>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnrollPrompt {
    pub flow_id: FlowId,
    /// Show only these methods (the organization's allowed ones, minus what is enrolled).
    pub offered: MethodSet,
    /// `Some` once a code was sent / a TOTP registration created: ask for the code.
    pub started: Option<EnrollmentStarted>,
    pub attempts_left: u32,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChallengePrompt {
    pub flow_id: FlowId,
    /// Ask for a code of this method.
    pub method: MfaMethod,
    /// The member may switch to any of these (`use_method`).
    pub available: MethodSet,
    /// An SMS code is on its way.
    pub sms_sent: bool,
    pub phone_number: Option<String>,
    /// Offer "use a recovery code instead".
    pub recovery_code_allowed: bool,
    pub attempts_left: u32,
    pub expires_at: DateTime<Utc>,
}

/// Shown once after `enroll_totp`; the engine keeps none of it.
#[derive(Debug)]
pub struct TotpSetup {
    pub prompt: EnrollPrompt,
    /// `data:image/png;base64,...`
    pub qr_code: String,
    pub secret: stytch_client::Secret,
    pub recovery_codes: Vec<stytch_client::Secret>,
}

pub struct MfaService<St: FlowStore = SqliteFlowStore, C: Clock = SystemClock> {
    stytch: StytchClient,
    store: St,
    clock: C,
    config: EngineConfig,
}

impl<St: FlowStore> MfaService<St, SystemClock> {
    pub fn new(stytch: StytchClient, store: St) -> Self {
        MfaService::with_clock(stytch, store, SystemClock, EngineConfig::default())
    }
}

impl<St: FlowStore, C: Clock> MfaService<St, C> {
    pub fn with_clock(stytch: StytchClient, store: St, clock: C, config: EngineConfig) -> Self {
        MfaService {
            stytch,
            store,
            clock,
            config,
        }
    }

    pub fn store(&self) -> &St {
        &self.store
    }

    pub fn stytch(&self) -> &StytchClient {
        &self.stytch
    }

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The current step of a flow (e.g. after a page reload).
    pub async fn resume(&self, flow_id: FlowId) -> Result<LoginStep, ServiceError> {
        let any = self.store.load_flow(flow_id, self.clock.now()).await?;
        Ok(match any {
            AnyLoginFlow::Enrollment(e) => LoginStep::Enroll(self.enroll_prompt(&e)),
            AnyLoginFlow::Challenge(c) => LoginStep::Challenge(self.any_challenge_prompt(&c)),
            AnyLoginFlow::MemberSession(f) => LoginStep::SignedIn(signed_in(&f)),
        })
    }

    /// Delete every expired flow; returns how many.
    pub async fn purge_expired(&self) -> Result<u64, ServiceError> {
        Ok(self.store.purge_expired(self.clock.now()).await?)
    }

    async fn load<S: FlowState>(&self, flow_id: FlowId) -> Result<LoginFlow<S>, ServiceError> {
        let any = self.store.load_flow(flow_id, self.clock.now()).await?;
        Ok(any.into_state::<S>()?)
    }

    async fn load_challenge(&self, flow_id: FlowId) -> Result<AnyChallenge, ServiceError> {
        let any = self.store.load_flow(flow_id, self.clock.now()).await?;
        Ok(any.into_challenge()?)
    }

    async fn load_enrollment(&self, flow_id: FlowId) -> Result<AnyEnrollment, ServiceError> {
        let any = self.store.load_flow(flow_id, self.clock.now()).await?;
        Ok(any.into_enrollment()?)
    }

    /// Insert a just-routed flow (its one write) and say what the app shows next.
    async fn insert_routed(&self, routed: AfterPrimary) -> Result<LoginStep, ServiceError> {
        Ok(match self.store.insert_flow(routed).await? {
            AfterPrimary::Session(f) => LoginStep::SignedIn(signed_in(&f)),
            AfterPrimary::Enroll(f) => {
                LoginStep::Enroll(self.enroll_prompt(&AnyEnrollment::Pending(f)))
            }
            AfterPrimary::Challenge(c) => LoginStep::Challenge(self.any_challenge_prompt(&c)),
        })
    }

    fn enroll_prompt(&self, e: &AnyEnrollment) -> EnrollPrompt {
        let (started, failures) = match e {
            AnyEnrollment::Pending(_) => (None, 0),
            AnyEnrollment::Sms(f) => (Some(f.started().clone()), f.failures()),
            AnyEnrollment::Totp(f) => (Some(f.started().clone()), f.failures()),
        };
        EnrollPrompt {
            flow_id: e.id(),
            offered: e.offered(),
            started,
            attempts_left: self.config.max_failures.saturating_sub(failures),
            expires_at: e.core().expires_at,
        }
    }

    fn any_challenge_prompt(&self, c: &AnyChallenge) -> ChallengePrompt {
        match c {
            AnyChallenge::Sms(f) => self.challenge_prompt(f),
            AnyChallenge::Totp(f) => self.challenge_prompt(f),
        }
    }

    fn challenge_prompt<M: Method>(&self, f: &LoginFlow<ChallengePending<M>>) -> ChallengePrompt {
        ChallengePrompt {
            flow_id: f.id(),
            method: f.method(),
            available: f.available(),
            sms_sent: f.sms_sent(),
            phone_number: f.phone_number().map(str::to_owned),
            recovery_code_allowed: f.recovery_code_allowed(),
            attempts_left: self.config.max_failures.saturating_sub(f.failures()),
            expires_at: f.expires_at(),
        }
    }

    /// A code-checking call failed: count a wrong code, or drop a dead flow, or pass it on.
    async fn code_rejected<S: FlowState>(
        &self,
        flow: LoginFlow<S>,
        err: StytchError,
        record_failure: impl FnOnce(LoginFlow<S>, u32) -> AfterFailure<S>,
        failures: impl Fn(&LoginFlow<S>) -> u32,
    ) -> ServiceError {
        let (id, version) = (flow.id(), flow.version());
        match classify(&err) {
            CodeFailure::WrongCode => match record_failure(flow, self.config.max_failures) {
                AfterFailure::Retry(f) => match self.store.save_flow(f).await {
                    Ok(f) => ServiceError::WrongCode {
                        attempts_left: self.config.max_failures.saturating_sub(failures(&f)),
                    },
                    Err(e) => e.into(),
                },
                AfterFailure::Exhausted(spent) => match self.store.discard_flow(spent).await {
                    Ok(()) => ServiceError::TooManyAttempts,
                    Err(e) => e.into(),
                },
            },
            // Not deleted: a concurrent submission of the same flow may have consumed the IST
            // and be about to save its success. The row expires with the IST and is purged.
            CodeFailure::FlowDead => ServiceError::Expired(id),
            CodeFailure::Locked => match self.store.delete(id, version).await {
                Ok(()) => ServiceError::Locked,
                Err(e) => e.into(),
            },
            CodeFailure::Other => err.into(),
        }
    }

    /// A non-code call (send SMS, create TOTP) failed: a dead IST/session kills the flow.
    fn call_failed(&self, flow_id: FlowId, err: StytchError) -> ServiceError {
        // A dead IST/session ends the flow; the row is left to expire (see `code_rejected`).
        if classify(&err) == CodeFailure::FlowDead {
            return ServiceError::Expired(flow_id);
        }
        err.into()
    }
}

fn expected<S: FlowState>(flow: &LoginFlow<S>) -> Expected<'_> {
    Expected {
        flow_id: flow.id(),
        member_id: flow.member_id(),
        organization_id: flow.organization_id(),
    }
}

fn signed_in(f: &LoginFlow<MemberSession>) -> SignedIn {
    SignedIn {
        flow_id: f.id(),
        member_id: f.member_id().to_owned(),
        organization_id: f.organization_id().to_owned(),
        session_token: f.session().session_token().clone(),
        session_jwt: f.session().session_jwt().cloned(),
        expires_at: f.expires_at(),
    }
}
