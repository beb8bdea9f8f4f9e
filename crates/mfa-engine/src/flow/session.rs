//! `MemberSession`: the member holds a full session. Reached only with a [`FactorVerified`].
//! From here a member may enroll another factor or step up, and come back here.

use super::sealed::Sealed;
use super::{
    AnyChallenge, ChallengePending, Credential, EnrollmentPending, FlowCore, FlowState, LoginFlow,
    SessionCredential, StateKind, StateView, TransitionError,
};
use crate::kind::{ProofKind, Sms, Totp};
use crate::method::{MethodSet, MfaMethod};
use crate::proof::FactorVerified;

#[derive(Debug)]
pub struct MemberSession {
    pub(crate) session: SessionCredential,
}

impl Sealed for MemberSession {}

impl FlowState for MemberSession {
    const KIND: StateKind = StateKind::MemberSession;

    fn extract(any: super::AnyLoginFlow) -> Result<LoginFlow<Self>, super::AnyLoginFlow> {
        match any {
            super::AnyLoginFlow::MemberSession(f) => Ok(f),
            other => Err(other),
        }
    }

    fn view(&self) -> StateView<'_> {
        StateView::Session {
            session: &self.session,
        }
    }
}

/// The checked way from a waiting state to a session: the proof must be for this flow.
/// Borrows the core (and copies it) so that a transition reads only what it needs.
pub(super) fn from_proof<K: ProofKind>(
    core: &FlowCore,
    proof: FactorVerified<K>,
) -> Result<LoginFlow<MemberSession>, TransitionError> {
    if proof.flow_id() != core.id {
        return Err(TransitionError::ProofForAnotherFlow);
    }
    Ok(into_session(core.clone(), proof))
}

/// The single constructor of a `LoginFlow<MemberSession>`. Callers check the proof's flow
/// first ([`from_proof`]), or made the proof for this flow themselves (`route`).
pub(super) fn into_session<K: ProofKind>(
    mut core: FlowCore,
    proof: FactorVerified<K>,
) -> LoginFlow<MemberSession> {
    let (session, expires_at) = proof.into_parts();
    if let Some(t) = expires_at.filter(|t| *t > core.created_at) {
        core.expires_at = t;
    }
    LoginFlow {
        core,
        state: MemberSession { session },
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
            set_mfa_enrollment,
        }))
    }

    /// Step-up: prove an enrolled factor again while holding the session. `enrolled` is what
    /// Stytch reports for the member; `preferred` wins when it is usable.
    pub fn begin_step_up(
        self,
        enrolled: MethodSet,
        preferred: Option<MfaMethod>,
    ) -> Result<AnyChallenge, TransitionError> {
        let available = enrolled.intersect(self.core.allowed);
        let method = preferred
            .filter(|m| available.contains(*m))
            .or_else(|| available.first())
            .ok_or(TransitionError::NothingToOffer)?;
        let credential = Credential::Session(self.state.session.clone());
        Ok(match method {
            MfaMethod::Sms => AnyChallenge::Sms(self.into_state(ChallengePending::<Sms>::new(
                credential, available, false, None,
            ))),
            MfaMethod::Totp => AnyChallenge::Totp(self.into_state(ChallengePending::<Totp>::new(
                credential, available, false, None,
            ))),
        })
    }
}
