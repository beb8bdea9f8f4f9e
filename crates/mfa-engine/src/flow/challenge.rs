//! `ChallengePending`: the member has a usable factor and must prove it (login MFA or step-up).
//! They may switch among `available` methods; TOTP also admits a recovery code.

use super::session::{check_owner, from_proof};
use super::{
    AfterFailure, Credential, Exhausted, FlowState, LoginFlow, MemberSession, StateKind,
    TransitionError,
};
use crate::method::{MethodSet, MfaMethod};
use crate::proof::{FactorVerified, VerifiedBy};

#[derive(Debug)]
pub struct ChallengePending {
    pub(crate) credential: Credential,
    /// Enrolled ∩ allowed; never empty, always contains `method`.
    pub(crate) available: MethodSet,
    pub(crate) method: MfaMethod,
    /// An SMS code is on its way for the current method.
    pub(crate) sms_sent: bool,
    pub(crate) phone_number: Option<String>,
    pub(crate) failures: u32,
}

impl FlowState for ChallengePending {
    const KIND: StateKind = StateKind::ChallengePending;
}

impl LoginFlow<ChallengePending> {
    pub fn method(&self) -> MfaMethod {
        self.state.method
    }

    pub fn available(&self) -> MethodSet {
        self.state.available
    }

    pub fn sms_sent(&self) -> bool {
        self.state.sms_sent
    }

    pub fn phone_number(&self) -> Option<&str> {
        self.state.phone_number.as_deref()
    }

    pub fn failures(&self) -> u32 {
        self.state.failures
    }

    /// Recovery codes back TOTP, so they are accepted whenever TOTP is available.
    pub fn recovery_code_allowed(&self) -> bool {
        self.state.available.totp
    }

    /// True on the step-up path (the member already has a session).
    pub fn holds_session(&self) -> bool {
        self.state.credential.is_session()
    }

    pub(crate) fn credential(&self) -> &Credential {
        &self.state.credential
    }

    /// Use another enrolled, allowed method.
    pub fn switch_to(mut self, method: MfaMethod) -> Result<Self, TransitionError> {
        if !self.state.available.contains(method) {
            return Err(TransitionError::MethodNotAvailable(method));
        }
        if method != self.state.method {
            self.state.method = method;
            self.state.sms_sent = false;
        }
        Ok(self)
    }

    /// Stytch sent an SMS code for the current (SMS) method.
    pub fn sms_code_sent(mut self) -> Result<Self, TransitionError> {
        if self.state.method != MfaMethod::Sms {
            return Err(TransitionError::MethodNotAvailable(MfaMethod::Sms));
        }
        self.state.sms_sent = true;
        Ok(self)
    }

    /// Stytch accepted a code for the current method (or a recovery code in place of TOTP).
    pub fn complete(
        self,
        proof: FactorVerified,
    ) -> Result<LoginFlow<MemberSession>, TransitionError> {
        check_owner(&self.core, &proof)?;
        let ok = match proof.verified_by() {
            VerifiedBy::Sms => self.state.method == MfaMethod::Sms,
            VerifiedBy::Totp => self.state.method == MfaMethod::Totp,
            VerifiedBy::RecoveryCode => self.recovery_code_allowed(),
            VerifiedBy::PrimaryAuth | VerifiedBy::ExistingSession => false,
        };
        if !ok {
            return Err(TransitionError::ProofMethodMismatch {
                expected: self.state.method.as_str(),
                got: proof.verified_by(),
            });
        }
        Ok(from_proof(self.core, proof))
    }

    /// A wrong code. After `max_failures` wrong codes the flow is spent.
    pub fn record_failure(mut self, max_failures: u32) -> AfterFailure<ChallengePending> {
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
