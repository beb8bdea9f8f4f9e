//! Enrollment in two states: [`EnrollmentPending`] waits for the member to pick a method
//! (nothing sent yet); [`EnrollmentCodePending<M>`] waits for the code of method `M` (an SMS
//! was sent, or a TOTP registration created). Only the second can be confirmed, and only with a
//! `FactorVerified<M>`. Restarting (resend, or the other method) is allowed from either.

use std::marker::PhantomData;

use super::sealed::Sealed;
use super::session::from_proof;
use super::{
    AfterFailure, AnyLoginFlow, Credential, FlowCore, FlowState, LoginFlow, MemberSession,
    StateKind, StateView, TransitionError, count_failure,
};
use crate::kind::{Method, Sms, Totp};
use crate::method::{MethodSet, MfaMethod};
use crate::proof::FactorVerified;

/// The member must (or chose to) set up a factor and has not picked one yet.
#[derive(Debug)]
pub struct EnrollmentPending {
    pub(crate) credential: Credential,
    /// Methods the member may set up (non-empty, within the organization's allowed methods).
    pub(crate) offered: MethodSet,
    /// Session path only: send `set_mfa_enrollment: "enroll"` when confirming.
    pub(crate) set_mfa_enrollment: bool,
}

/// A code of method `M` is expected: Stytch sent it (SMS) or the app shows it (TOTP).
#[derive(Debug)]
pub struct EnrollmentCodePending<M: Method> {
    pub(crate) credential: Credential,
    pub(crate) offered: MethodSet,
    pub(crate) set_mfa_enrollment: bool,
    /// What was set up; its method is always `M`.
    pub(crate) started: EnrollmentStarted,
    pub(crate) failures: u32,
    pub(crate) method: PhantomData<M>,
}

/// What Stytch has been asked to set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnrollmentStarted {
    /// A code was sent to this number.
    Sms { phone_number: String },
    /// A TOTP registration exists; the QR code was shown once.
    Totp { registration_id: String },
}

impl EnrollmentStarted {
    pub fn method(&self) -> MfaMethod {
        match self {
            EnrollmentStarted::Sms { .. } => MfaMethod::Sms,
            EnrollmentStarted::Totp { .. } => MfaMethod::Totp,
        }
    }
}

impl Sealed for EnrollmentPending {}

impl FlowState for EnrollmentPending {
    const KIND: StateKind = StateKind::EnrollmentPending;

    fn extract(any: AnyLoginFlow) -> Result<LoginFlow<Self>, AnyLoginFlow> {
        match any {
            AnyLoginFlow::Enrollment(super::AnyEnrollment::Pending(f)) => Ok(f),
            other => Err(other),
        }
    }

    fn view(&self) -> StateView<'_> {
        StateView::Enrollment {
            credential: &self.credential,
            offered: self.offered,
            started: None,
            set_mfa_enrollment: self.set_mfa_enrollment,
            failures: 0,
        }
    }
}

impl<M: Method> Sealed for EnrollmentCodePending<M> {}

impl<M: Method> FlowState for EnrollmentCodePending<M> {
    const KIND: StateKind = StateKind::EnrollmentCodePending(M::METHOD);

    fn extract(any: AnyLoginFlow) -> Result<LoginFlow<Self>, AnyLoginFlow> {
        match any {
            AnyLoginFlow::Enrollment(e) => e.into_code::<M>().map_err(AnyLoginFlow::Enrollment),
            other => Err(other),
        }
    }

    fn view(&self) -> StateView<'_> {
        StateView::Enrollment {
            credential: &self.credential,
            offered: self.offered,
            started: Some(&self.started),
            set_mfa_enrollment: self.set_mfa_enrollment,
            failures: self.failures,
        }
    }
}

/// The same enrollment under another method parameter. Callers check that `N` is right.
pub(super) fn retype<M: Method, N: Method>(
    flow: LoginFlow<EnrollmentCodePending<M>>,
) -> LoginFlow<EnrollmentCodePending<N>> {
    let LoginFlow { core, state } = flow;
    LoginFlow {
        core,
        state: EnrollmentCodePending {
            credential: state.credential,
            offered: state.offered,
            set_mfa_enrollment: state.set_mfa_enrollment,
            started: state.started,
            failures: state.failures,
            method: PhantomData,
        },
    }
}

/// Start (or restart) method `N`. `failures` carries over only when the method stays the same.
fn start<N: Method>(
    core: FlowCore,
    credential: Credential,
    offered: MethodSet,
    set_mfa_enrollment: bool,
    started: EnrollmentStarted,
    failures: u32,
) -> Result<LoginFlow<EnrollmentCodePending<N>>, TransitionError> {
    if !offered.contains(N::METHOD) {
        return Err(TransitionError::MethodNotAvailable(N::METHOD));
    }
    Ok(LoginFlow {
        core,
        state: EnrollmentCodePending {
            credential,
            offered,
            set_mfa_enrollment,
            started,
            failures,
            method: PhantomData,
        },
    })
}

impl LoginFlow<EnrollmentPending> {
    pub fn offered(&self) -> MethodSet {
        self.state.offered
    }

    /// True on the optional-enrollment path (the member already has a session).
    pub fn holds_session(&self) -> bool {
        self.state.credential.is_session()
    }

    pub fn sets_mfa_enrollment(&self) -> bool {
        self.state.set_mfa_enrollment
    }

    pub(crate) fn credential(&self) -> &Credential {
        &self.state.credential
    }

    /// Stytch sent an enrollment code to `phone_number`.
    pub fn sms_code_sent(
        self,
        phone_number: String,
    ) -> Result<LoginFlow<EnrollmentCodePending<Sms>>, TransitionError> {
        let LoginFlow { core, state } = self;
        let started = EnrollmentStarted::Sms { phone_number };
        let (c, o, s) = (state.credential, state.offered, state.set_mfa_enrollment);
        start(core, c, o, s, started, 0)
    }

    /// Stytch created TOTP registration `registration_id`.
    pub fn totp_created(
        self,
        registration_id: String,
    ) -> Result<LoginFlow<EnrollmentCodePending<Totp>>, TransitionError> {
        let LoginFlow { core, state } = self;
        let started = EnrollmentStarted::Totp { registration_id };
        let (c, o, s) = (state.credential, state.offered, state.set_mfa_enrollment);
        start(core, c, o, s, started, 0)
    }
}

impl<M: Method> LoginFlow<EnrollmentCodePending<M>> {
    pub fn method(&self) -> MfaMethod {
        M::METHOD
    }

    pub fn offered(&self) -> MethodSet {
        self.state.offered
    }

    pub fn started(&self) -> &EnrollmentStarted {
        &self.state.started
    }

    pub fn failures(&self) -> u32 {
        self.state.failures
    }

    /// True on the optional-enrollment path (the member already has a session).
    pub fn holds_session(&self) -> bool {
        self.state.credential.is_session()
    }

    pub fn sets_mfa_enrollment(&self) -> bool {
        self.state.set_mfa_enrollment
    }

    pub(crate) fn credential(&self) -> &Credential {
        &self.state.credential
    }

    /// Stytch sent a (new) code to `phone_number`. Switching from TOTP restarts the count.
    pub fn sms_code_sent(
        self,
        phone_number: String,
    ) -> Result<LoginFlow<EnrollmentCodePending<Sms>>, TransitionError> {
        self.restart(EnrollmentStarted::Sms { phone_number })
    }

    /// Stytch created TOTP registration `registration_id`. Switching from SMS restarts the count.
    pub fn totp_created(
        self,
        registration_id: String,
    ) -> Result<LoginFlow<EnrollmentCodePending<Totp>>, TransitionError> {
        self.restart(EnrollmentStarted::Totp { registration_id })
    }

    fn restart<N: Method>(
        self,
        started: EnrollmentStarted,
    ) -> Result<LoginFlow<EnrollmentCodePending<N>>, TransitionError> {
        let failures = if N::METHOD == M::METHOD {
            self.state.failures
        } else {
            0
        };
        let LoginFlow { core, state } = self;
        let (c, o, s) = (state.credential, state.offered, state.set_mfa_enrollment);
        start(core, c, o, s, started, failures)
    }

    /// Stytch accepted the code of the method being enrolled: only a `FactorVerified<M>` fits.
    pub fn confirm(
        self,
        proof: FactorVerified<M>,
    ) -> Result<LoginFlow<MemberSession>, TransitionError> {
        from_proof(&self.core, proof)
    }

    /// A wrong code. After `max_failures` wrong codes the flow is spent.
    pub fn record_failure(self, max_failures: u32) -> AfterFailure<EnrollmentCodePending<M>> {
        count_failure(self, |s| &mut s.failures, max_failures)
    }
}
