//! `MemberSession`: the member holds a full session. Reached only with a [`FactorVerified`].
//! From here a member may enroll another factor or step up, and come back here.

use super::{
    ChallengePending, Credential, EnrollmentPending, FlowCore, FlowState, LoginFlow,
    SessionCredential, StateKind, TransitionError,
};
use crate::method::{MethodSet, MfaMethod};
use crate::proof::FactorVerified;

#[derive(Debug)]
pub struct MemberSession {
    pub(crate) session: SessionCredential,
}

impl FlowState for MemberSession {
    const KIND: StateKind = StateKind::MemberSession;
}

/// The single constructor of a `LoginFlow<MemberSession>` from a proof. Callers check that the
/// proof belongs to this flow first (`route` made it for this flow itself).
pub(super) fn from_proof(mut core: FlowCore, proof: FactorVerified) -> LoginFlow<MemberSession> {
    let (_by, session, expires_at) = proof.into_parts();
    if let Some(t) = expires_at.filter(|t| *t > core.created_at) {
        core.expires_at = t;
    }
    LoginFlow {
        core,
        state: MemberSession { session },
    }
}

/// Refuse a proof made for another flow.
pub(super) fn check_owner(core: &FlowCore, proof: &FactorVerified) -> Result<(), TransitionError> {
    if proof.flow_id() == core.id {
        Ok(())
    } else {
        Err(TransitionError::ProofForAnotherFlow)
    }
}

impl LoginFlow<MemberSession> {
    pub fn session(&self) -> &SessionCredential {
        &self.state.session
    }

    /// Optional enrollment (or adding a second factor): offer `offered ∩ allowed`.
    /// `set_mfa_enrollment`: also make MFA required at every login (`"enroll"`), rather than
    /// only available for step-up.
    pub fn begin_enrollment(
        self,
        offered: MethodSet,
        set_mfa_enrollment: bool,
    ) -> Result<LoginFlow<EnrollmentPending>, TransitionError> {
        let offered = offered.intersect(self.core.allowed);
        if offered.is_empty() {
            return Err(TransitionError::NothingToOffer);
        }
        let credential = Credential::Session(self.state.session.clone());
        Ok(self.into_state(EnrollmentPending {
            credential,
            offered,
            started: None,
            set_mfa_enrollment,
            failures: 0,
        }))
    }

    /// Step-up: prove an enrolled factor again while holding the session. `enrolled` is what
    /// Stytch reports for the member; `preferred` wins when it is usable.
    pub fn begin_step_up(
        self,
        enrolled: MethodSet,
        preferred: Option<MfaMethod>,
    ) -> Result<LoginFlow<ChallengePending>, TransitionError> {
        let available = enrolled.intersect(self.core.allowed);
        let method = preferred
            .filter(|m| available.contains(*m))
            .or_else(|| available.first())
            .ok_or(TransitionError::NothingToOffer)?;
        let credential = Credential::Session(self.state.session.clone());
        Ok(self.into_state(ChallengePending {
            credential,
            available,
            method,
            sms_sent: false,
            phone_number: None,
            failures: 0,
        }))
    }
}
