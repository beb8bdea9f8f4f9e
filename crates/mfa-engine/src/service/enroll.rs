//! Enrollment steps: start SMS or TOTP, then confirm with a code. Works both with an IST
//! (required enrollment at login) and with a session (optional enrollment). Confirming before
//! anything was sent is the wrong state (the flow waits for a method choice, not a code).

use stytch_client::Secret;
use stytch_client::api::SetMfaEnrollment;
use stytch_client::api::otp_sms::{MfaAuthenticateRequest, SmsSendRequest};
use stytch_client::api::totp::TotpCreateRequest;

use super::{EnrollPrompt, LoginStep, MfaService, ServiceError, TotpSetup, expected, signed_in};
use crate::flow::{AnyEnrollment, EnrollmentCodePending, LoginFlow, TransitionError};
use crate::kind::Method;
use crate::method::MfaMethod;
use crate::proof::FactorVerified;
use crate::store::FlowStore;
use crate::time::Clock;

impl<St: FlowStore, C: Clock> MfaService<St, C> {
    /// The member chose SMS and typed a phone number (E.164): send the first code.
    /// Calling it again resends.
    #[tracing::instrument(name = "enroll SMS", skip_all, fields(%flow_id))]
    pub async fn enroll_sms(
        &self,
        flow_id: crate::FlowId,
        phone_number: &str,
    ) -> Result<EnrollPrompt, ServiceError> {
        let flow = self.load_enrollment(flow_id).await?;
        if !flow.offered().contains(MfaMethod::Sms) {
            return Err(TransitionError::MethodNotAvailable(MfaMethod::Sms).into());
        }
        let mut req = SmsSendRequest::new(flow.organization_id(), flow.member_id());
        req.mfa_phone_number = Some(phone_number.to_owned());
        req.session = Some(flow.credential().session_auth());
        if let Err(e) = self.stytch.otps_sms_send(&req).await {
            return Err(self.call_failed(flow.id(), e));
        }
        let flow = self
            .store
            .save_flow(flow.sms_code_sent(phone_number.to_owned())?)
            .await?;
        Ok(self.enroll_prompt(&AnyEnrollment::Sms(flow)))
    }

    /// The member chose TOTP: create a registration and return the QR code to show once.
    #[tracing::instrument(name = "enroll TOTP", skip_all, fields(%flow_id))]
    pub async fn enroll_totp(&self, flow_id: crate::FlowId) -> Result<TotpSetup, ServiceError> {
        let flow = self.load_enrollment(flow_id).await?;
        if !flow.offered().contains(MfaMethod::Totp) {
            return Err(TransitionError::MethodNotAvailable(MfaMethod::Totp).into());
        }
        let mut req = TotpCreateRequest::new(flow.organization_id(), flow.member_id());
        req.session = Some(flow.credential().session_auth());
        let resp = match self.stytch.totp_create(&req).await {
            Ok(resp) => resp,
            Err(e) => return Err(self.call_failed(flow.id(), e)),
        };
        let flow = self
            .store
            .save_flow(flow.totp_created(resp.totp_registration_id)?)
            .await?;
        Ok(TotpSetup {
            prompt: self.enroll_prompt(&AnyEnrollment::Totp(flow)),
            qr_code: resp.qr_code,
            secret: resp.secret,
            recovery_codes: resp.recovery_codes,
        })
    }

    /// The member typed the code of the method they are enrolling.
    pub async fn confirm_enrollment(
        &self,
        flow_id: crate::FlowId,
        code: Secret,
    ) -> Result<LoginStep, ServiceError> {
        self.confirm_enrollment_with(flow_id, code, false).await
    }

    /// Like [`MfaService::confirm_enrollment`]; `make_default`: the new method becomes the
    /// member's default (`set_default_mfa`), e.g. when adding TOTP next to SMS.
    #[tracing::instrument(name = "confirm enrollment", skip_all, fields(%flow_id, make_default))]
    pub async fn confirm_enrollment_with(
        &self,
        flow_id: crate::FlowId,
        code: Secret,
        make_default: bool,
    ) -> Result<LoginStep, ServiceError> {
        let any = self.store.load_flow(flow_id, self.clock.now()).await?;
        match any.into_enrollment()? {
            AnyEnrollment::Sms(flow) => self.confirm_in(flow, code, make_default).await,
            AnyEnrollment::Totp(flow) => self.confirm_in(flow, code, make_default).await,
            AnyEnrollment::Pending(flow) => {
                Err(ServiceError::WrongState(crate::flow::UnexpectedState {
                    flow_id,
                    expected: "enrollment_code_pending",
                    found: flow.kind(),
                }))
            }
        }
    }

    async fn confirm_in<M: Method>(
        &self,
        flow: LoginFlow<EnrollmentCodePending<M>>,
        code: Secret,
        make_default: bool,
    ) -> Result<LoginStep, ServiceError> {
        let mut req = MfaAuthenticateRequest::new(
            flow.organization_id(),
            flow.member_id(),
            code,
            flow.credential().session_auth(),
        );
        req.session_options.session_duration_minutes = self.config.session_duration_minutes;
        // Omitted unless asked: Stytch then makes the first method the default by itself.
        req.set_default_mfa = make_default.then_some(true);
        if flow.sets_mfa_enrollment() {
            req.set_mfa_enrollment = Some(SetMfaEnrollment::Enroll);
        }
        let resp = match self.authenticate_code::<M>(&req).await {
            Ok(resp) => resp,
            Err(e) => {
                return Err(self
                    .code_rejected(flow, e, |f, max| f.record_failure(max), |f| f.failures())
                    .await);
            }
        };
        let proof = FactorVerified::<M>::from_mfa_response(&expected(&flow), &resp)?;
        let flow = self.store.save_flow(flow.confirm(proof)?).await?;
        Ok(LoginStep::SignedIn(signed_in(&flow)))
    }
}
