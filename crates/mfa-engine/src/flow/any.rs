//! `AnyLoginFlow`: a flow whose state is known only at run time (what the store loads).
//! Asking for the wrong state is an [`UnexpectedState`] error, never a panic. [`AnyChallenge`]
//! and [`AnyEnrollment`] are the same bridge one level down, for steps that work in any method
//! (the service dispatches them to generic code).

use super::{
    ChallengePending, EnrollmentCodePending, EnrollmentPending, FlowCore, FlowId, FlowState,
    LoginFlow, MemberSession, StateKind, TransitionError, challenge, enrollment,
};
use crate::kind::{Method, Sms, Totp};
use crate::method::{MethodSet, MfaMethod};

#[derive(Debug)]
pub enum AnyLoginFlow {
    Enrollment(AnyEnrollment),
    Challenge(AnyChallenge),
    MemberSession(LoginFlow<MemberSession>),
}

/// An enrollment in any of its states.
#[derive(Debug)]
pub enum AnyEnrollment {
    Pending(LoginFlow<EnrollmentPending>),
    Sms(LoginFlow<EnrollmentCodePending<Sms>>),
    Totp(LoginFlow<EnrollmentCodePending<Totp>>),
}

/// A challenge of either method.
#[derive(Debug)]
pub enum AnyChallenge {
    Sms(LoginFlow<ChallengePending<Sms>>),
    Totp(LoginFlow<ChallengePending<Totp>>),
}

/// The flow is in `found`; the caller needed `expected`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("flow {flow_id} is in state {found}, expected {expected}")]
pub struct UnexpectedState {
    pub flow_id: FlowId,
    /// A [`StateKind::name`], or a family such as `challenge_pending`.
    pub expected: &'static str,
    pub found: StateKind,
}

impl AnyLoginFlow {
    fn core(&self) -> &FlowCore {
        match self {
            AnyLoginFlow::Enrollment(e) => e.core(),
            AnyLoginFlow::Challenge(c) => c.core(),
            AnyLoginFlow::MemberSession(f) => &f.core,
        }
    }

    pub fn kind(&self) -> StateKind {
        match self {
            AnyLoginFlow::Enrollment(e) => e.kind(),
            AnyLoginFlow::Challenge(c) => c.kind(),
            AnyLoginFlow::MemberSession(_) => StateKind::MemberSession,
        }
    }

    pub fn id(&self) -> FlowId {
        self.core().id
    }

    pub fn version(&self) -> i64 {
        self.core().version
    }

    fn unexpected(&self, expected: &'static str) -> UnexpectedState {
        UnexpectedState {
            flow_id: self.id(),
            expected,
            found: self.kind(),
        }
    }

    /// The flow as `LoginFlow<S>`, or which state it is really in.
    pub fn into_state<S: FlowState>(self) -> Result<LoginFlow<S>, UnexpectedState> {
        S::extract(self).map_err(|other| other.unexpected(S::KIND.name()))
    }

    /// The flow if it is a challenge, of whichever method.
    pub fn into_challenge(self) -> Result<AnyChallenge, UnexpectedState> {
        match self {
            AnyLoginFlow::Challenge(c) => Ok(c),
            other => Err(other.unexpected("challenge_pending")),
        }
    }

    /// The flow if it is an enrollment, started or not.
    pub fn into_enrollment(self) -> Result<AnyEnrollment, UnexpectedState> {
        match self {
            AnyLoginFlow::Enrollment(e) => Ok(e),
            other => Err(other.unexpected("enrollment_pending")),
        }
    }
}

impl AnyChallenge {
    pub(crate) fn core(&self) -> &FlowCore {
        match self {
            AnyChallenge::Sms(f) => &f.core,
            AnyChallenge::Totp(f) => &f.core,
        }
    }

    pub fn id(&self) -> FlowId {
        self.core().id
    }

    pub fn method(&self) -> MfaMethod {
        match self {
            AnyChallenge::Sms(_) => MfaMethod::Sms,
            AnyChallenge::Totp(_) => MfaMethod::Totp,
        }
    }

    pub fn kind(&self) -> StateKind {
        StateKind::ChallengePending(self.method())
    }

    /// The challenge as `LoginFlow<ChallengePending<M>>` if `M` is its method.
    #[allow(clippy::result_large_err)] // the `Err` is the same value, moved once
    pub fn into_method<M: Method>(self) -> Result<LoginFlow<ChallengePending<M>>, AnyChallenge> {
        match (self, M::METHOD) {
            (AnyChallenge::Sms(f), MfaMethod::Sms) => Ok(challenge::retype(f)),
            (AnyChallenge::Totp(f), MfaMethod::Totp) => Ok(challenge::retype(f)),
            (other, _) => Err(other),
        }
    }

    /// Use method `N` (see [`LoginFlow::switch_to`]).
    pub fn switch_to<N: Method>(self) -> Result<LoginFlow<ChallengePending<N>>, TransitionError> {
        match self {
            AnyChallenge::Sms(f) => f.switch_to::<N>(),
            AnyChallenge::Totp(f) => f.switch_to::<N>(),
        }
    }
}

impl AnyEnrollment {
    pub(crate) fn core(&self) -> &FlowCore {
        match self {
            AnyEnrollment::Pending(f) => &f.core,
            AnyEnrollment::Sms(f) => &f.core,
            AnyEnrollment::Totp(f) => &f.core,
        }
    }

    pub fn id(&self) -> FlowId {
        self.core().id
    }

    pub fn organization_id(&self) -> &str {
        &self.core().organization_id
    }

    pub fn member_id(&self) -> &str {
        &self.core().member_id
    }

    pub fn kind(&self) -> StateKind {
        match self {
            AnyEnrollment::Pending(_) => StateKind::EnrollmentPending,
            AnyEnrollment::Sms(_) => StateKind::EnrollmentCodePending(MfaMethod::Sms),
            AnyEnrollment::Totp(_) => StateKind::EnrollmentCodePending(MfaMethod::Totp),
        }
    }

    pub fn offered(&self) -> MethodSet {
        match self {
            AnyEnrollment::Pending(f) => f.offered(),
            AnyEnrollment::Sms(f) => f.offered(),
            AnyEnrollment::Totp(f) => f.offered(),
        }
    }

    pub(crate) fn credential(&self) -> &super::Credential {
        match self {
            AnyEnrollment::Pending(f) => f.credential(),
            AnyEnrollment::Sms(f) => f.credential(),
            AnyEnrollment::Totp(f) => f.credential(),
        }
    }

    /// The enrollment as `LoginFlow<EnrollmentCodePending<M>>` if a code of `M` is expected.
    #[allow(clippy::result_large_err)] // the `Err` is the same value, moved once
    pub fn into_code<M: Method>(
        self,
    ) -> Result<LoginFlow<EnrollmentCodePending<M>>, AnyEnrollment> {
        match (self, M::METHOD) {
            (AnyEnrollment::Sms(f), MfaMethod::Sms) => Ok(enrollment::retype(f)),
            (AnyEnrollment::Totp(f), MfaMethod::Totp) => Ok(enrollment::retype(f)),
            (other, _) => Err(other),
        }
    }

    /// Stytch sent an enrollment code to `phone_number` (first send, resend, or a switch).
    pub fn sms_code_sent(
        self,
        phone_number: String,
    ) -> Result<LoginFlow<EnrollmentCodePending<Sms>>, TransitionError> {
        match self {
            AnyEnrollment::Pending(f) => f.sms_code_sent(phone_number),
            AnyEnrollment::Sms(f) => f.sms_code_sent(phone_number),
            AnyEnrollment::Totp(f) => f.sms_code_sent(phone_number),
        }
    }

    /// Stytch created TOTP registration `registration_id` (first, again, or a switch).
    pub fn totp_created(
        self,
        registration_id: String,
    ) -> Result<LoginFlow<EnrollmentCodePending<Totp>>, TransitionError> {
        match self {
            AnyEnrollment::Pending(f) => f.totp_created(registration_id),
            AnyEnrollment::Sms(f) => f.totp_created(registration_id),
            AnyEnrollment::Totp(f) => f.totp_created(registration_id),
        }
    }
}

impl From<AnyChallenge> for AnyLoginFlow {
    fn from(c: AnyChallenge) -> Self {
        AnyLoginFlow::Challenge(c)
    }
}

impl From<AnyEnrollment> for AnyLoginFlow {
    fn from(e: AnyEnrollment) -> Self {
        AnyLoginFlow::Enrollment(e)
    }
}

impl From<LoginFlow<MemberSession>> for AnyLoginFlow {
    fn from(f: LoginFlow<MemberSession>) -> Self {
        AnyLoginFlow::MemberSession(f)
    }
}
