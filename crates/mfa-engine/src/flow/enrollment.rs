//! `EnrollmentPending`: the member must (or chose to) set up a factor: pick a method, receive
//! an SMS code or scan a TOTP QR code, then confirm with a code.

use super::session::{check_owner, from_proof};
use super::{
    AfterFailure, Credential, Exhausted, FlowState, LoginFlow, MemberSession, StateKind,
    TransitionError,
};
use crate::method::{MethodSet, MfaMethod};
use crate::proof::{FactorVerified, VerifiedBy};

#[derive(Debug)]
pub struct EnrollmentPending {
    pub(crate) credential: Credential,
    /// Methods the member may set up (non-empty, within the organization's allowed methods).
    pub(crate) offered: MethodSet,
    pub(crate) started: Option<EnrollmentStarted>,
    /// Session path only: send `set_mfa_enrollment: "enroll"` when confirming.
    pub(crate) set_mfa_enrollment: bool,
    pub(crate) failures: u32,
}

impl FlowState for EnrollmentPending {
    const KIND: StateKind = StateKind::EnrollmentPending;
}

/// What Stytch has been asked to set up so far.
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

impl LoginFlow<EnrollmentPending> {
    pub fn offered(&self) -> MethodSet {
        self.state.offered
    }

    pub fn started(&self) -> Option<&EnrollmentStarted> {
        self.state.started.as_ref()
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

    /// Stytch sent an enrollment code to `phone_number`. Switching method restarts the count.
    pub fn sms_code_sent(self, phone_number: String) -> Result<Self, TransitionError> {
        self.start(EnrollmentStarted::Sms { phone_number })
    }

    /// Stytch created TOTP registration `registration_id`.
    pub fn totp_created(self, registration_id: String) -> Result<Self, TransitionError> {
        self.start(EnrollmentStarted::Totp { registration_id })
    }

    fn start(mut self, started: EnrollmentStarted) -> Result<Self, TransitionError> {
        let method = started.method();
        if !self.state.offered.contains(method) {
            return Err(TransitionError::MethodNotAvailable(method));
        }
        if self.state.started.as_ref().map(EnrollmentStarted::method) != Some(method) {
            self.state.failures = 0;
        }
        self.state.started = Some(started);
        Ok(self)
    }

    /// The code for the started method was accepted by Stytch.
    pub fn confirm(
        self,
        proof: FactorVerified,
    ) -> Result<LoginFlow<MemberSession>, TransitionError> {
        check_owner(&self.core, &proof)?;
        let started = self
            .state
            .started
            .as_ref()
            .ok_or(TransitionError::EnrollmentNotStarted)?;
        let expected = match started.method() {
            MfaMethod::Sms => VerifiedBy::Sms,
            MfaMethod::Totp => VerifiedBy::Totp,
        };
        if proof.verified_by() != expected {
            return Err(TransitionError::ProofMethodMismatch {
                expected: started.method().as_str(),
                got: proof.verified_by(),
            });
        }
        Ok(from_proof(self.core, proof))
    }

    /// A wrong code. After `max_failures` wrong codes the flow is spent.
    pub fn record_failure(mut self, max_failures: u32) -> AfterFailure<EnrollmentPending> {
        self.state.failures += 1;
        if self.state.failures >= max_failures {
            AfterFailure::Exhausted(Exhausted {
                id: self.core.id,
                version: self.core.version,
            })
        } else {
            AfterFailure::Retry(self)
        }
    }
}
