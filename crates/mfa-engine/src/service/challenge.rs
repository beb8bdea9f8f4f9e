//! Challenge steps: enter a code of the current method, switch method, resend the SMS, or
//! use a recovery code instead of TOTP. Used at login (IST) and for step-up (session).
//! Each step loads the challenge in whichever method it is in and hands it to code that is
//! generic over the method, so the proof built is always of the challenge's own method.

use stytch_client::api::MfaAuthenticateResponse;
use stytch_client::api::otp_sms::{MfaAuthenticateRequest, SmsSendRequest};
use stytch_client::api::recovery_codes::RecoverRequest;
use stytch_client::{Secret, StytchError};

use super::{ChallengePrompt, LoginStep, MfaService, ServiceError, expected, signed_in};
use crate::flow::{AnyChallenge, ChallengePending, FlowId, LoginFlow, TransitionError};
use crate::kind::{Method, Sms, Totp};
use crate::method::MfaMethod;
use crate::proof::FactorVerified;
use crate::store::FlowStore;
use crate::time::Clock;

impl<St: FlowStore, C: Clock> MfaService<St, C> {
    /// Send an SMS or TOTP code to the Stytch endpoint of method `M`.
    pub(super) async fn authenticate_code<M: Method>(
        &self,
        req: &MfaAuthenticateRequest,
    ) -> Result<MfaAuthenticateResponse, StytchError> {
        match M::METHOD {
            MfaMethod::Sms => self.stytch.otps_sms_authenticate(req).await,
            MfaMethod::Totp => self.stytch.totp_authenticate(req).await,
        }
    }

    /// Switch to another enrolled, allowed method. Choosing SMS sends a code.
    #[tracing::instrument(name = "use MFA method", skip_all, fields(%flow_id, %method))]
    pub async fn use_method(
        &self,
        flow_id: FlowId,
        method: MfaMethod,
    ) -> Result<ChallengePrompt, ServiceError> {
        let challenge = self.load_challenge(flow_id).await?;
        let next = match method {
            MfaMethod::Sms => {
                let flow = self.send_sms(challenge.switch_to::<Sms>()?).await?;
                AnyChallenge::Sms(self.store.save_flow(flow).await?)
            }
            MfaMethod::Totp => {
                AnyChallenge::Totp(self.store.save_flow(challenge.switch_to::<Totp>()?).await?)
            }
        };
        Ok(self.any_challenge_prompt(&next))
    }

    /// Send (or resend) an SMS code; switches to SMS if it is available.
    pub async fn send_sms_code(&self, flow_id: FlowId) -> Result<ChallengePrompt, ServiceError> {
        self.use_method(flow_id, MfaMethod::Sms).await
    }

    /// The member typed a code for the current method.
    #[tracing::instrument(name = "submit MFA code", skip_all, fields(%flow_id))]
    pub async fn submit_code(
        &self,
        flow_id: FlowId,
        code: Secret,
    ) -> Result<LoginStep, ServiceError> {
        match self.load_challenge(flow_id).await? {
            AnyChallenge::Sms(flow) => self.submit_code_to(flow, code).await,
            AnyChallenge::Totp(flow) => self.submit_code_to(flow, code).await,
        }
    }

    async fn submit_code_to<M: Method>(
        &self,
        flow: LoginFlow<ChallengePending<M>>,
        code: Secret,
    ) -> Result<LoginStep, ServiceError> {
        let mut req = MfaAuthenticateRequest::new(
            flow.organization_id(),
            flow.member_id(),
            code,
            flow.credential().session_auth(),
        );
        req.session_options.session_duration_minutes = self.config.session_duration_minutes;
        let resp = match self.authenticate_code::<M>(&req).await {
            Ok(resp) => resp,
            Err(e) => {
                return Err(self
                    .code_rejected(flow, e, |f, max| f.record_failure(max), |f| f.failures())
                    .await);
            }
        };
        let proof = FactorVerified::<M>::from_mfa_response(&expected(&flow), &resp)?;
        let flow = self.store.save_flow(flow.complete(proof)?).await?;
        Ok(LoginStep::SignedIn(signed_in(&flow)))
    }

    /// The member typed a TOTP recovery code.
    #[tracing::instrument(name = "submit recovery code", skip_all, fields(%flow_id))]
    pub async fn submit_recovery_code(
        &self,
        flow_id: FlowId,
        code: Secret,
    ) -> Result<LoginStep, ServiceError> {
        match self.load_challenge(flow_id).await? {
            AnyChallenge::Sms(flow) => self.recover_in(flow, code).await,
            AnyChallenge::Totp(flow) => self.recover_in(flow, code).await,
        }
    }

    async fn recover_in<M: Method>(
        &self,
        flow: LoginFlow<ChallengePending<M>>,
        code: Secret,
    ) -> Result<LoginStep, ServiceError> {
        // Checked before Stytch spends the code: the switch below cannot fail after it.
        if !flow.recovery_code_allowed() {
            return Err(TransitionError::MethodNotAvailable(MfaMethod::Totp).into());
        }
        let mut req = RecoverRequest::new(
            flow.organization_id(),
            flow.member_id(),
            code,
            flow.credential().session_auth(),
        );
        req.session_options.session_duration_minutes = self.config.session_duration_minutes;
        let resp = match self.stytch.recovery_codes_recover(&req).await {
            Ok(resp) => resp,
            Err(e) => {
                return Err(self
                    .code_rejected(flow, e, |f, max| f.record_failure(max), |f| f.failures())
                    .await);
            }
        };
        let proof = FactorVerified::from_recover_response(&expected(&flow), &resp)?;
        // A recovery code stands in for TOTP: it completes the challenge as a TOTP one.
        let session = flow.switch_to::<Totp>()?.recover(proof)?;
        let flow = self.store.save_flow(session).await?;
        Ok(LoginStep::SignedIn(signed_in(&flow)))
    }

    /// Ask Stytch to text a code to the member's phone, then record that it was sent.
    pub(super) async fn send_sms(
        &self,
        flow: LoginFlow<ChallengePending<Sms>>,
    ) -> Result<LoginFlow<ChallengePending<Sms>>, ServiceError> {
        let mut req = SmsSendRequest::new(flow.organization_id(), flow.member_id());
        req.session = Some(flow.credential().session_auth());
        match self.stytch.otps_sms_send(&req).await {
            Ok(_) => Ok(flow.sms_code_sent()),
            Err(e) => Err(self.call_failed(flow.id(), e)),
        }
    }
}
