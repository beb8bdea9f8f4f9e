//! Challenge steps: enter a code of the current method, switch method, resend the SMS, or
//! use a recovery code instead of TOTP. Used at login (IST) and for step-up (session).

use stytch_client::api::MfaAuthenticateResponse;
use stytch_client::api::otp_sms::{MfaAuthenticateRequest, SmsSendRequest};
use stytch_client::api::recovery_codes::RecoverRequest;
use stytch_client::{Secret, StytchError};

use super::{ChallengePrompt, LoginStep, MfaService, ServiceError, expected, signed_in};
use crate::flow::{ChallengePending, FlowId, LoginFlow};
use crate::method::MfaMethod;
use crate::proof::{FactorVerified, VerifiedBy};
use crate::store::FlowStore;
use crate::time::Clock;

impl<St: FlowStore, C: Clock> MfaService<St, C> {
    /// Send an SMS or TOTP code to its Stytch endpoint; also says which factor it would prove.
    pub(super) async fn authenticate_code(
        &self,
        method: MfaMethod,
        req: &MfaAuthenticateRequest,
    ) -> (Result<MfaAuthenticateResponse, StytchError>, VerifiedBy) {
        match method {
            MfaMethod::Sms => (
                self.stytch.otps_sms_authenticate(req).await,
                VerifiedBy::Sms,
            ),
            MfaMethod::Totp => (self.stytch.totp_authenticate(req).await, VerifiedBy::Totp),
        }
    }

    /// Switch to another enrolled, allowed method. Choosing SMS sends a code.
    #[tracing::instrument(name = "use MFA method", skip_all, fields(%flow_id, %method))]
    pub async fn use_method(
        &self,
        flow_id: FlowId,
        method: MfaMethod,
    ) -> Result<ChallengePrompt, ServiceError> {
        let flow: LoginFlow<ChallengePending> = self.load(flow_id).await?;
        let flow = flow.switch_to(method)?;
        let flow = if method == MfaMethod::Sms {
            self.send_sms(flow).await?
        } else {
            flow
        };
        let flow = self.store.save_flow(flow).await?;
        Ok(self.challenge_prompt(&flow))
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
        let flow: LoginFlow<ChallengePending> = self.load(flow_id).await?;
        let mut req = MfaAuthenticateRequest::new(
            flow.organization_id(),
            flow.member_id(),
            code,
            flow.credential().session_auth(),
        );
        req.session_duration_minutes = self.config.session_duration_minutes;
        let (result, by) = self.authenticate_code(flow.method(), &req).await;
        let resp = match result {
            Ok(resp) => resp,
            Err(e) => {
                return Err(self
                    .code_rejected(flow, e, |f, max| f.record_failure(max), |f| f.failures())
                    .await);
            }
        };
        let proof = FactorVerified::from_mfa_response(&expected(&flow), by, &resp)?;
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
        let flow: LoginFlow<ChallengePending> = self.load(flow_id).await?;
        if !flow.recovery_code_allowed() {
            return Err(crate::flow::TransitionError::MethodNotAvailable(MfaMethod::Totp).into());
        }
        let mut req = RecoverRequest::new(
            flow.organization_id(),
            flow.member_id(),
            code,
            flow.credential().session_auth(),
        );
        req.session_duration_minutes = self.config.session_duration_minutes;
        let resp = match self.stytch.recovery_codes_recover(&req).await {
            Ok(resp) => resp,
            Err(e) => {
                return Err(self
                    .code_rejected(flow, e, |f, max| f.record_failure(max), |f| f.failures())
                    .await);
            }
        };
        let proof = FactorVerified::from_recover_response(&expected(&flow), &resp)?;
        let flow = self.store.save_flow(flow.complete(proof)?).await?;
        Ok(LoginStep::SignedIn(signed_in(&flow)))
    }

    /// Ask Stytch to text a code to the member's phone, then record that it was sent.
    pub(super) async fn send_sms(
        &self,
        flow: LoginFlow<ChallengePending>,
    ) -> Result<LoginFlow<ChallengePending>, ServiceError> {
        let mut req = SmsSendRequest::new(flow.organization_id(), flow.member_id());
        req.session = Some(flow.credential().session_auth());
        match self.stytch.otps_sms_send(&req).await {
            Ok(_) => Ok(flow.sms_code_sent()?),
            Err(e) => Err(self.call_failed(&flow, e).await),
        }
    }
}
