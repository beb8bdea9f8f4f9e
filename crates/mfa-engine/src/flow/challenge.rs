//! `ChallengePending<M>`: the member has a usable factor and must prove it with a code of method
//! `M` (login MFA or step-up). `complete` takes only a `FactorVerified<M>`; sending an SMS code
//! exists only for `M = Sms`, a recovery code only for `M = Totp`. Switching among the
//! `available` methods changes the type, and is the one runtime check here (it depends on what
//! the member enrolled).

use std::marker::PhantomData;

use super::sealed::Sealed;
use super::session::from_proof;
use super::{
    AfterFailure, AnyLoginFlow, Credential, FlowState, LoginFlow, MemberSession, StateKind,
    StateView, TransitionError, count_failure,
};
use crate::kind::{Method, RecoveryCode, Sms, Totp};
use crate::method::{MethodSet, MfaMethod};
use crate::proof::FactorVerified;

#[derive(Debug)]
pub struct ChallengePending<M: Method> {
    pub(crate) credential: Credential,
    /// Enrolled ∩ allowed; never empty, always contains `M`.
    pub(crate) available: MethodSet,
    /// An SMS code is on its way (only ever true for `M = Sms`).
    pub(crate) sms_sent: bool,
    pub(crate) phone_number: Option<String>,
    pub(crate) failures: u32,
    pub(crate) method: PhantomData<M>,
}

impl<M: Method> ChallengePending<M> {
    pub(crate) fn new(
        credential: Credential,
        available: MethodSet,
        sms_sent: bool,
        phone_number: Option<String>,
    ) -> Self {
        ChallengePending {
            credential,
            available,
            sms_sent: sms_sent && M::METHOD == MfaMethod::Sms,
            phone_number,
            failures: 0,
            method: PhantomData,
        }
    }
}

impl<M: Method> Sealed for ChallengePending<M> {}

impl<M: Method> FlowState for ChallengePending<M> {
    const KIND: StateKind = StateKind::ChallengePending(M::METHOD);

    fn extract(any: AnyLoginFlow) -> Result<LoginFlow<Self>, AnyLoginFlow> {
        match any {
            AnyLoginFlow::Challenge(c) => c.into_method::<M>().map_err(AnyLoginFlow::Challenge),
            other => Err(other),
        }
    }

    fn view(&self) -> StateView<'_> {
        StateView::Challenge {
            credential: &self.credential,
            available: self.available,
            method: M::METHOD,
            sms_sent: self.sms_sent,
            phone_number: self.phone_number.as_deref(),
            failures: self.failures,
        }
    }
}

/// The same challenge under another method parameter. Callers check that `N` is right.
pub(super) fn retype<M: Method, N: Method>(
    flow: LoginFlow<ChallengePending<M>>,
) -> LoginFlow<ChallengePending<N>> {
    let LoginFlow { core, state } = flow;
    LoginFlow {
        core,
        state: ChallengePending {
            credential: state.credential,
            available: state.available,
            sms_sent: state.sms_sent && N::METHOD == MfaMethod::Sms,
            phone_number: state.phone_number,
            failures: state.failures,
            method: PhantomData,
        },
    }
}

impl<M: Method> LoginFlow<ChallengePending<M>> {
    pub fn method(&self) -> MfaMethod {
        M::METHOD
    }

    pub fn available(&self) -> MethodSet {
        self.state.available
    }

    /// An SMS code is on its way (always false for a TOTP challenge).
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

    /// Use another enrolled, allowed method (or stay on this one, keeping a sent SMS).
    pub fn switch_to<N: Method>(self) -> Result<LoginFlow<ChallengePending<N>>, TransitionError> {
        if !self.state.available.contains(N::METHOD) {
            return Err(TransitionError::MethodNotAvailable(N::METHOD));
        }
        let same = M::METHOD == N::METHOD;
        let mut next = retype::<M, N>(self);
        if !same {
            next.state.sms_sent = false;
        }
        Ok(next)
    }

    /// Stytch accepted a code of this challenge's method: only a `FactorVerified<M>` fits.
    pub fn complete(
        self,
        proof: FactorVerified<M>,
    ) -> Result<LoginFlow<MemberSession>, TransitionError> {
        from_proof(&self.core, proof)
    }

    /// A wrong code. After `max_failures` wrong codes the flow is spent.
    pub fn record_failure(self, max_failures: u32) -> AfterFailure<ChallengePending<M>> {
        count_failure(self, |s| &mut s.failures, max_failures)
    }
}

/// Steps of an SMS challenge only.
impl LoginFlow<ChallengePending<Sms>> {
    /// Stytch sent an SMS code.
    pub fn sms_code_sent(mut self) -> Self {
        self.state.sms_sent = true;
        self
    }
}

/// Steps of a TOTP challenge only.
impl LoginFlow<ChallengePending<Totp>> {
    /// Stytch accepted a recovery code in place of a TOTP code.
    pub fn recover(
        self,
        proof: FactorVerified<RecoveryCode>,
    ) -> Result<LoginFlow<MemberSession>, TransitionError> {
        from_proof(&self.core, proof)
    }
}
