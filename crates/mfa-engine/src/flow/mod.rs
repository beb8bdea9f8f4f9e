//! The typestates. `LoginFlow<S>` is one stored login (or session-holding) flow in state `S`.
//!
//! Fields are private; transitions consume `self`; each state's methods live in its own
//! `impl LoginFlow<State>` block (one file per state), and a step that only one method has (send
//! an SMS, use a recovery code) lives in a block for that method only. [`FlowState`] is sealed,
//! so no other crate can add a state. [`PrimaryAuthed`] is not a `LoginFlow`: it exists only in
//! memory until [`PrimaryAuthed::route`] says where the flow goes, so it is never stored.
//! [`AnyLoginFlow`] is the one runtime bridge, used by the store. A transition that is refused
//! returns an error and drops the in-memory value: the stored row is untouched. Nothing here
//! performs I/O or knows how a flow is stored ([`FlowState::view`] is plain data).

mod any;
mod challenge;
mod enrollment;
mod primary;
mod session;
#[cfg(test)]
pub(crate) mod tests;

use std::fmt;

use chrono::{DateTime, Utc};

pub use any::{AnyChallenge, AnyEnrollment, AnyLoginFlow, UnexpectedState};
pub use challenge::ChallengePending;
pub use enrollment::{EnrollmentCodePending, EnrollmentPending, EnrollmentStarted};
pub use primary::{AfterPrimary, PrimaryAuthed, StartError};
pub use session::MemberSession;

pub use crate::credential::{Credential, SessionCredential};
pub use crate::id::FlowId;
use crate::method::{MethodSet, MfaMethod};

/// Which state a stored flow is in. The method is part of the state: an SMS challenge and a
/// TOTP challenge accept different proofs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateKind {
    /// Enrollment chosen (or offered), nothing sent yet.
    EnrollmentPending,
    /// An enrollment code was sent (SMS) or a registration created (TOTP).
    EnrollmentCodePending(MfaMethod),
    ChallengePending(MfaMethod),
    MemberSession,
}

impl StateKind {
    /// A stable name, e.g. `challenge_pending(sms_otp)`.
    pub const fn name(self) -> &'static str {
        match self {
            StateKind::EnrollmentPending => "enrollment_pending",
            StateKind::EnrollmentCodePending(MfaMethod::Sms) => "enrollment_code_pending(sms_otp)",
            StateKind::EnrollmentCodePending(MfaMethod::Totp) => "enrollment_code_pending(totp)",
            StateKind::ChallengePending(MfaMethod::Sms) => "challenge_pending(sms_otp)",
            StateKind::ChallengePending(MfaMethod::Totp) => "challenge_pending(totp)",
            StateKind::MemberSession => "member_session",
        }
    }
}

impl fmt::Display for StateKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

pub(crate) mod sealed {
    /// Implemented only in this crate: that is what makes [`super::FlowState`] sealed.
    pub trait Sealed {}
}

/// A state a stored login flow can be in. Sealed: only the states of this crate implement it.
pub trait FlowState: sealed::Sealed + Sized + Send + Sync + 'static {
    const KIND: StateKind;

    /// Take the flow out of the runtime enum if it is in this state; the `Err` hands the same
    /// value back. Prefer [`AnyLoginFlow::into_state`].
    #[allow(clippy::result_large_err)] // moved once; boxing would buy nothing
    fn extract(any: AnyLoginFlow) -> Result<LoginFlow<Self>, AnyLoginFlow>;

    /// This state's data, borrowed: what a store persists (a record, not the machine).
    fn view(&self) -> StateView<'_>;
}

/// A state's data as plain values, for a store to write. Built only by the states themselves.
#[derive(Clone, Copy, Debug)]
pub enum StateView<'a> {
    Enrollment {
        credential: &'a Credential,
        offered: MethodSet,
        started: Option<&'a EnrollmentStarted>,
        set_mfa_enrollment: bool,
        failures: u32,
    },
    Challenge {
        credential: &'a Credential,
        available: MethodSet,
        method: MfaMethod,
        sms_sent: bool,
        phone_number: Option<&'a str>,
        failures: u32,
    },
    Session {
        session: &'a SessionCredential,
    },
}

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

/// Count a wrong code; shared by the states that wait for one.
fn count_failure<S: FlowState>(
    mut flow: LoginFlow<S>,
    failures: impl FnOnce(&mut S) -> &mut u32,
    max_failures: u32,
) -> AfterFailure<S> {
    let n = failures(&mut flow.state);
    *n += 1;
    if *n >= max_failures {
        AfterFailure::Exhausted(Exhausted {
            id: flow.core.id,
            version: flow.core.version,
        })
    } else {
        AfterFailure::Retry(flow)
    }
}
