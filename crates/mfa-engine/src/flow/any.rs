//! `AnyLoginFlow`: a flow whose state is known only at run time (what the store loads).
//! Asking for the wrong state is an [`UnexpectedState`] error, never a panic.

use super::sealed::Sealed;
use super::{
    ChallengePending, EnrollmentPending, FlowId, FlowState, LoginFlow, MemberSession,
    PrimaryAuthed, StateKind,
};

#[derive(Debug)]
pub enum AnyLoginFlow {
    PrimaryAuthed(LoginFlow<PrimaryAuthed>),
    EnrollmentPending(LoginFlow<EnrollmentPending>),
    ChallengePending(LoginFlow<ChallengePending>),
    MemberSession(LoginFlow<MemberSession>),
}

/// The flow is in `found`, the caller needed `expected`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("flow {flow_id} is in state {found}, expected {expected}")]
pub struct UnexpectedState {
    pub flow_id: FlowId,
    pub expected: StateKind,
    pub found: StateKind,
}

impl AnyLoginFlow {
    pub fn kind(&self) -> StateKind {
        match self {
            AnyLoginFlow::PrimaryAuthed(_) => StateKind::PrimaryAuthed,
            AnyLoginFlow::EnrollmentPending(_) => StateKind::EnrollmentPending,
            AnyLoginFlow::ChallengePending(_) => StateKind::ChallengePending,
            AnyLoginFlow::MemberSession(_) => StateKind::MemberSession,
        }
    }

    pub fn id(&self) -> FlowId {
        match self {
            AnyLoginFlow::PrimaryAuthed(f) => f.id(),
            AnyLoginFlow::EnrollmentPending(f) => f.id(),
            AnyLoginFlow::ChallengePending(f) => f.id(),
            AnyLoginFlow::MemberSession(f) => f.id(),
        }
    }

    pub fn version(&self) -> i64 {
        match self {
            AnyLoginFlow::PrimaryAuthed(f) => f.version(),
            AnyLoginFlow::EnrollmentPending(f) => f.version(),
            AnyLoginFlow::ChallengePending(f) => f.version(),
            AnyLoginFlow::MemberSession(f) => f.version(),
        }
    }

    /// The flow as `LoginFlow<S>`, or which state it is really in.
    pub fn into_state<S: FlowState>(self) -> Result<LoginFlow<S>, UnexpectedState> {
        S::extract(self).map_err(|other| UnexpectedState {
            flow_id: other.id(),
            expected: S::KIND,
            found: other.kind(),
        })
    }
}

macro_rules! sealed_state {
    ($state:ident, $write:path) => {
        impl Sealed for $state {
            fn write_columns(&self, record: &mut crate::store::FlowRecord) {
                $write(self, record)
            }

            fn extract(any: AnyLoginFlow) -> Result<LoginFlow<Self>, AnyLoginFlow> {
                match any {
                    AnyLoginFlow::$state(flow) => Ok(flow),
                    other => Err(other),
                }
            }
        }

        impl From<LoginFlow<$state>> for AnyLoginFlow {
            fn from(flow: LoginFlow<$state>) -> Self {
                AnyLoginFlow::$state(flow)
            }
        }
    };
}

sealed_state!(PrimaryAuthed, crate::store::record::write_primary);
sealed_state!(EnrollmentPending, crate::store::record::write_enrollment);
sealed_state!(ChallengePending, crate::store::record::write_challenge);
sealed_state!(MemberSession, crate::store::record::write_session);
