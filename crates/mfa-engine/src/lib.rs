//! The MFA login flow for Stytch B2B as typestates, persisted in SQLite or PostgreSQL.
//!
//! ```text
//! PrimaryAuthed (in memory only) ──route()──▶ AfterPrimary::{Session, Enroll, Challenge}   (inserted once)
//! LoginFlow<S: FlowState>
//!   EnrollmentPending ──sms_code_sent / totp_created──▶ EnrollmentCodePending<M>
//!   EnrollmentCodePending<M> ──confirm(FactorVerified<M>)──▶ MemberSession | ──record_failure()──▶ itself | Exhausted
//!   ChallengePending<M> ──complete(FactorVerified<M>)──▶ MemberSession | ──switch_to::<N>()──▶ ChallengePending<N>
//!   ChallengePending<Sms> ──sms_code_sent()──▶ itself;  ChallengePending<Totp> ──recover(FactorVerified<RecoveryCode>)──▶ MemberSession
//!   MemberSession ──begin_enrollment()──▶ EnrollmentPending   (optional enrollment)
//!   MemberSession ──begin_step_up()──▶ ChallengePending<M>    (step-up)
//! AnyLoginFlow: what the store loads; into_state::<S>() is the one runtime check.
//! ```
//!
//! Layout: [`method`] and [`routing`] are pure (CONTRACT §3), [`kind`] names methods and proofs
//! as types, [`proof`] is the only code that vouches for a verified factor, [`flow`] holds the
//! typestates, [`store`] persists them (a small trait, SQLite and Postgres; the row mapping lives there,
//! not in the states), [`service`] is what an app calls: one method per user action. Imports go
//! one way: `id`/`credential`/`kind` ← `proof` ← `flow` ← `store` ← `service`.
//! Nothing in this crate logs a token, code or password. The rules the compiler enforces are
//! pinned by the trybuild cases in `tests/ui/` (one file per rule).

pub mod credential;
pub mod flow;
pub mod id;
pub mod kind;
pub mod method;
pub mod proof;
pub mod routing;
pub mod service;
pub mod store;
pub mod time;

#[cfg(test)]
mod test_support;

pub use flow::{
    AfterFailure, AfterPrimary, AnyChallenge, AnyEnrollment, AnyLoginFlow, ChallengePending,
    EnrollmentCodePending, EnrollmentPending, EnrollmentStarted, Exhausted, FlowId, FlowState,
    LoginFlow, MemberSession, PrimaryAuthed, StateKind, TransitionError, UnexpectedState,
};
pub use kind::{Method, ProofKind, RecoveryCode, Sms, Totp, VerifiedBy};
pub use method::{MethodSet, MfaMethod};
pub use proof::FactorVerified;
pub use service::{
    ChallengePrompt, EngineConfig, EnrollPrompt, ErrorKind, LoginStep, MfaService, Retry,
    ServiceError, SignedIn, TotpSetup,
};
pub use store::{FlowStore, SqliteFlowStore, StoreError};
pub use time::{Clock, ManualClock, SystemClock};
