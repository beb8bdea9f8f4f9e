//! The typestates. `LoginFlow<S>` is one login (or session-holding) flow in state `S`.
//!
//! Fields are private; transitions consume `self`; each state's methods live in its own
//! `impl LoginFlow<State>` block (one file per state). [`FlowState`] is sealed, so no other
//! crate can add a state. [`AnyLoginFlow`] is the one runtime bridge, used by the store.
//! A transition that is refused returns an error and drops the in-memory value: the stored
//! row is untouched, so nothing is lost. Nothing here performs I/O.

mod any;
mod challenge;
mod credential;
mod enrollment;
mod primary;
mod session;
#[cfg(test)]
pub(crate) mod tests;

use std::fmt;

use chrono::{DateTime, Utc};

pub use any::{AnyLoginFlow, UnexpectedState};
pub use challenge::ChallengePending;
pub(crate) use credential::Credential;
pub use credential::SessionCredential;
pub use enrollment::{EnrollmentPending, EnrollmentStarted};
pub(crate) use primary::PrimaryOutcome;
pub use primary::{AfterPrimary, PrimaryAuthed, StartError};
pub use session::MemberSession;

use crate::method::{MethodSet, MfaMethod};
use crate::proof::VerifiedBy;

/// A flow's id: a random UUID, safe to put in a cookie or URL (it grants nothing alone).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlowId(uuid::Uuid);

impl FlowId {
    pub(crate) fn new() -> Self {
        FlowId(uuid::Uuid::new_v4())
    }

    pub fn parse(s: &str) -> Option<FlowId> {
        uuid::Uuid::parse_str(s).ok().map(FlowId)
    }
}

impl fmt::Display for FlowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// The state names, as stored in the `state` column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateKind {
    PrimaryAuthed,
    EnrollmentPending,
    ChallengePending,
    MemberSession,
}

impl StateKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StateKind::PrimaryAuthed => "primary_authed",
            StateKind::EnrollmentPending => "enrollment_pending",
            StateKind::ChallengePending => "challenge_pending",
            StateKind::MemberSession => "member_session",
        }
    }

    pub fn parse(s: &str) -> Option<StateKind> {
        Some(match s {
            "primary_authed" => StateKind::PrimaryAuthed,
            "enrollment_pending" => StateKind::EnrollmentPending,
            "challenge_pending" => StateKind::ChallengePending,
            "member_session" => StateKind::MemberSession,
            _ => return None,
        })
    }
}

impl fmt::Display for StateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

pub(crate) mod sealed {
    /// Implemented only in this crate: that is what makes [`super::FlowState`] sealed.
    pub trait Sealed {
        /// Take the flow out of the runtime enum if it is in this state. The `Err` hands the
        /// same (large) value back unchanged; it is moved once, so boxing would buy nothing.
        #[allow(clippy::result_large_err)]
        fn extract(any: super::AnyLoginFlow) -> Result<super::LoginFlow<Self>, super::AnyLoginFlow>
        where
            Self: super::FlowState;

        /// Write this state's columns into a store record.
        fn write_columns(&self, record: &mut crate::store::FlowRecord);
    }
}

/// A state a login flow can be in. Sealed: only the four states of this crate implement it.
pub trait FlowState: sealed::Sealed + Sized + Send + Sync + 'static {
    const KIND: StateKind;
}

/// A state a flow may be *created* in (the store's `insert_flow` accepts only these).
pub trait InitialState: FlowState {}

/// What every state shares: who, which organization rules, until when, and the version read.
#[derive(Clone, Debug)]
pub(crate) struct FlowCore {
    pub id: FlowId,
    pub organization_id: String,
    pub member_id: String,
    /// The organization's allowed MFA methods, fixed when the flow starts.
    pub allowed: MethodSet,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The row version this value was read at (0: never stored).
    pub version: i64,
}

pub struct LoginFlow<S: FlowState> {
    pub(crate) core: FlowCore,
    pub(crate) state: S,
}

impl<S: FlowState> fmt::Debug for LoginFlow<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginFlow")
            .field("state", &S::KIND)
            .field("id", &self.core.id)
            .field("member_id", &self.core.member_id)
            .field("version", &self.core.version)
            .finish_non_exhaustive()
    }
}

impl<S: FlowState> LoginFlow<S> {
    pub fn id(&self) -> FlowId {
        self.core.id
    }

    pub fn kind(&self) -> StateKind {
        S::KIND
    }

    pub fn organization_id(&self) -> &str {
        &self.core.organization_id
    }

    pub fn member_id(&self) -> &str {
        &self.core.member_id
    }

    /// Methods the organization allows for this member.
    pub fn allowed_methods(&self) -> MethodSet {
        self.core.allowed
    }

    pub fn created_at(&self) -> DateTime<Utc> {
        self.core.created_at
    }

    pub fn expires_at(&self) -> DateTime<Utc> {
        self.core.expires_at
    }

    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        self.core.expires_at <= now
    }

    /// The stored version this value was read at; the next save must still find it.
    pub fn version(&self) -> i64 {
        self.core.version
    }

    /// Same flow, new state: the only way states change.
    fn into_state<T: FlowState>(self, state: T) -> LoginFlow<T> {
        LoginFlow {
            core: self.core,
            state,
        }
    }
}

/// A transition was refused. The in-memory flow is gone; the stored row is unchanged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    #[error("the proof was made for another flow")]
    ProofForAnotherFlow,
    #[error("{0} is not available in this flow")]
    MethodNotAvailable(MfaMethod),
    #[error("no enrollment was started")]
    EnrollmentNotStarted,
    #[error("a {got} proof cannot confirm a {expected} step")]
    ProofMethodMismatch {
        expected: &'static str,
        got: VerifiedBy,
    },
    #[error("there is nothing to enroll")]
    NothingToOffer,
}

/// After a wrong code: try again, or the flow is spent.
#[derive(Debug)]
pub enum AfterFailure<S: FlowState> {
    Retry(LoginFlow<S>),
    Exhausted(Exhausted),
}

/// A flow that used up its attempts; the caller deletes its row (at this version).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exhausted {
    pub id: FlowId,
    pub version: i64,
}
