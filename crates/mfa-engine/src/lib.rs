//! The MFA login flow for Stytch B2B as typestates, persisted in SQLite.
//!
//! ```text
//! LoginFlow<S: FlowState>   S ∈ {PrimaryAuthed, EnrollmentPending, ChallengePending, MemberSession}
//!   PrimaryAuthed ──route()──▶ AfterPrimary::{Session, Enroll, Challenge}
//!   EnrollmentPending ──confirm(FactorVerified)──▶ MemberSession
//!   ChallengePending  ──complete(FactorVerified)──▶ MemberSession | ──record_failure()──▶ itself | Exhausted
//!   MemberSession ──begin_enrollment()──▶ EnrollmentPending   (optional enrollment)
//!   MemberSession ──begin_step_up()──▶ ChallengePending       (step-up)
//! AnyLoginFlow: what the store loads; into_state::<S>() is the one runtime check.
//! ```
//!
//! Layout: [`method`] and [`routing`] are pure (CONTRACT §3), [`proof`] is the only code that
//! vouches for a verified factor, [`flow`] holds the typestates, [`store`] persists them (a
//! small trait plus SQLite), [`service`] is what an app calls: one method per user action.
//! Nothing in this crate logs a token, code or password.

pub mod flow;
pub mod method;
pub mod proof;
pub mod routing;
pub mod service;
pub mod store;
pub mod time;

#[cfg(test)]
mod test_support;

/// Illegal transitions do not compile: doctests only (see the module).
#[cfg(doctest)]
pub mod compile_fail;

pub use flow::{
    AfterFailure, AfterPrimary, AnyLoginFlow, ChallengePending, EnrollmentPending,
    EnrollmentStarted, Exhausted, FlowId, FlowState, InitialState, LoginFlow, MemberSession,
    PrimaryAuthed, StateKind, TransitionError, UnexpectedState,
};
pub use method::{MethodSet, MfaMethod};
pub use proof::{FactorVerified, VerifiedBy};
pub use service::{
    ChallengePrompt, EngineConfig, EnrollPrompt, LoginStep, MfaService, ServiceError, SignedIn,
    TotpSetup,
};
pub use store::{FlowStore, SqliteFlowStore, StoreError};
pub use time::{Clock, ManualClock, SystemClock};
