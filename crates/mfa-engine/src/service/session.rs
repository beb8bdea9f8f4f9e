//! The session-holding path: adopt an existing session, enroll another factor (optional
//! enrollment), step up, log out.

use stytch_client::api::sessions::{RevokeTarget, SessionAuthenticateRequest};
use stytch_client::wire::Member;
use stytch_client::{SessionAuth, SessionToken};

use super::{ChallengePrompt, EnrollPrompt, MfaService, ServiceError, SignedIn, signed_in};
use crate::flow::{
    AnyChallenge, AnyEnrollment, AnyLoginFlow, FlowId, LoginFlow, MemberSession, PrimaryAuthed,
};
use crate::method::{MethodSet, MfaMethod};
use crate::routing::allowed_methods;
use crate::store::FlowStore;
use crate::time::Clock;

/// Factors the member can use today (verified phone, TOTP registration).
fn enrolled(member: &Member) -> MethodSet {
    MethodSet {
        sms: member.mfa_phone_number.is_some() && member.mfa_phone_number_verified,
        totp: member.totp_registration_id.is_some(),
    }
}

impl<St: FlowStore, C: Clock> MfaService<St, C> {
    /// Start a session-holding flow from a session the app already has (checked with Stytch).
    #[tracing::instrument(name = "adopt session", skip_all)]
    pub async fn start_from_session(
        &self,
        session_token: SessionToken,
    ) -> Result<SignedIn, ServiceError> {
        let req = SessionAuthenticateRequest::new(SessionAuth::Token(session_token));
        let resp = self.stytch.sessions_authenticate(&req).await?;
        let flow = PrimaryAuthed::from_session_authenticate(
            &resp,
            self.clock.now(),
            self.config.session_lifetime,
        )?;
        match self.insert_routed(flow.route()).await? {
            super::LoginStep::SignedIn(s) => Ok(s),
            // An adopted session always routes to a session.
            other => Err(ServiceError::Inconsistent(format!(
                "session routed to {:?}",
                other.flow_id()
            ))),
        }
    }

    /// Optional enrollment: offer the allowed methods the member does not have yet.
    /// `require_at_login`: also turn MFA on for every login (`set_mfa_enrollment: "enroll"`);
    /// `false` keeps the factor for step-up only.
    #[tracing::instrument(name = "begin optional enrollment", skip_all, fields(%flow_id))]
    pub async fn begin_enrollment(
        &self,
        flow_id: FlowId,
        require_at_login: bool,
    ) -> Result<EnrollPrompt, ServiceError> {
        let flow: LoginFlow<MemberSession> = self.load(flow_id).await?;
        let member = self
            .stytch
            .members_get(flow.organization_id(), flow.member_id())
            .await?
            .member;
        let offered = MethodSet::ALL.minus(enrolled(&member));
        let flow = self
            .store
            .save_flow(flow.begin_enrollment(offered, require_at_login)?)
            .await?;
        Ok(self.enroll_prompt(&AnyEnrollment::Pending(flow)))
    }

    /// Step-up: ask for an enrolled factor again (default method first; SMS is sent at once).
    #[tracing::instrument(name = "begin step-up", skip_all, fields(%flow_id))]
    pub async fn begin_step_up(&self, flow_id: FlowId) -> Result<ChallengePrompt, ServiceError> {
        let flow: LoginFlow<MemberSession> = self.load(flow_id).await?;
        let resp = self
            .stytch
            .members_get(flow.organization_id(), flow.member_id())
            .await?;
        // Rules may have changed since login: intersect with today's allowed methods too.
        let usable =
            enrolled(&resp.member).intersect(allowed_methods(&resp.organization, &resp.member));
        let preferred = resp
            .member
            .default_mfa_method
            .and_then(MfaMethod::from_wire);
        let next = match flow.begin_step_up(usable, preferred)? {
            AnyChallenge::Sms(f) => {
                AnyChallenge::Sms(self.store.save_flow(self.send_sms(f).await?).await?)
            }
            AnyChallenge::Totp(f) => AnyChallenge::Totp(self.store.save_flow(f).await?),
        };
        Ok(self.any_challenge_prompt(&next))
    }

    /// The member's active TOTP recovery codes (show them on a settings page).
    pub async fn recovery_codes(
        &self,
        flow_id: FlowId,
    ) -> Result<Vec<stytch_client::Secret>, ServiceError> {
        let flow: LoginFlow<MemberSession> = self.load(flow_id).await?;
        let resp = self
            .stytch
            .recovery_codes_get(flow.organization_id(), flow.member_id())
            .await?;
        Ok(resp.recovery_codes)
    }

    /// Replace every recovery code with a fresh set; the old ones stop working.
    #[tracing::instrument(name = "rotate recovery codes", skip_all, fields(%flow_id))]
    pub async fn rotate_recovery_codes(
        &self,
        flow_id: FlowId,
    ) -> Result<Vec<stytch_client::Secret>, ServiceError> {
        let flow: LoginFlow<MemberSession> = self.load(flow_id).await?;
        let resp = self
            .stytch
            .recovery_codes_rotate(flow.organization_id(), flow.member_id())
            .await?;
        Ok(resp.recovery_codes)
    }

    /// The current session of a signed-in flow (e.g. to refresh the app's cookie).
    pub async fn session(&self, flow_id: FlowId) -> Result<SignedIn, ServiceError> {
        let flow: LoginFlow<MemberSession> = self.load(flow_id).await?;
        Ok(signed_in(&flow))
    }

    /// Revoke the flow's session at Stytch (if it has one) and forget the flow.
    #[tracing::instrument(name = "logout", skip_all, fields(%flow_id))]
    pub async fn logout(&self, flow_id: FlowId) -> Result<(), ServiceError> {
        let any = self.store.load_flow(flow_id, self.clock.now()).await?;
        let (session, version) = match &any {
            AnyLoginFlow::MemberSession(f) => {
                (Some(f.session().session_token().clone()), f.version())
            }
            other => (None, other.version()),
        };
        if let Some(token) = session {
            match self
                .stytch
                .sessions_revoke(&RevokeTarget::Session(SessionAuth::Token(token)))
                .await
            {
                Ok(_) => {}
                Err(e) if e.is_api("session_not_found") => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(self.store.delete(flow_id, version).await?)
    }
}
