//! [`FactorVerified`]: the proof that Stytch accepted a factor for *this* flow's member.
//!
//! It is the only way into [`crate::MemberSession`], and only this module creates it — each
//! constructor below checks a Stytch success response (member and organization match the
//! flow, the session token is present). `grep FactorVerified::from_` finds every place that
//! vouches. This module must never create a proof from anything the user sent.

use chrono::{DateTime, Utc};
use stytch_client::api::MfaAuthenticateResponse;
use stytch_client::api::recovery_codes::RecoverResponse;
use stytch_client::api::sessions::SessionAuthenticateResponse;
use stytch_client::wire::{MemberSession as WireSession, PrimaryAuthResponse};
use stytch_client::{SessionJwt, SessionToken};

use crate::flow::{FlowId, SessionCredential};

/// Which check produced the proof.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifiedBy {
    /// The primary factor alone sufficed (`mfa_required: null`).
    PrimaryAuth,
    /// An existing session, checked with sessions authenticate.
    ExistingSession,
    Sms,
    Totp,
    RecoveryCode,
}

impl VerifiedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            VerifiedBy::PrimaryAuth => "primary_auth",
            VerifiedBy::ExistingSession => "existing_session",
            VerifiedBy::Sms => "sms_otp",
            VerifiedBy::Totp => "totp",
            VerifiedBy::RecoveryCode => "recovery_code",
        }
    }
}

impl std::fmt::Display for VerifiedBy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A verified factor plus the session Stytch granted for it. Fields are private and there is
/// no public constructor: see the module docs.
#[derive(Debug)]
pub struct FactorVerified {
    flow_id: FlowId,
    by: VerifiedBy,
    session: SessionCredential,
    session_expires_at: Option<DateTime<Utc>>,
}

/// Stytch's answer did not vouch for this flow's member.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("Stytch answered for member {got}, the flow belongs to {expected}")]
    WrongMember { expected: String, got: String },
    #[error("Stytch answered for organization {got}, the flow belongs to {expected}")]
    WrongOrganization { expected: String, got: String },
    #[error("Stytch's success response carried no session token")]
    NoSession,
}

/// Who the flow expects the answer to be about.
pub(crate) struct Expected<'a> {
    pub flow_id: FlowId,
    pub member_id: &'a str,
    pub organization_id: &'a str,
}

impl FactorVerified {
    pub fn verified_by(&self) -> VerifiedBy {
        self.by
    }

    pub fn flow_id(&self) -> FlowId {
        self.flow_id
    }

    pub(crate) fn session(&self) -> &SessionCredential {
        &self.session
    }

    pub(crate) fn into_parts(self) -> (VerifiedBy, SessionCredential, Option<DateTime<Utc>>) {
        (self.by, self.session, self.session_expires_at)
    }

    /// SMS OTP / TOTP authenticate succeeded.
    pub(crate) fn from_mfa_response(
        expected: &Expected<'_>,
        by: VerifiedBy,
        resp: &MfaAuthenticateResponse,
    ) -> Result<Self, ProofError> {
        Self::checked(
            expected,
            by,
            (&resp.member_id, &resp.organization.organization_id),
            &resp.session_token,
            Some(&resp.session_jwt),
            resp.member_session.as_ref(),
        )
    }

    /// Recovery code recover succeeded.
    pub(crate) fn from_recover_response(
        expected: &Expected<'_>,
        resp: &RecoverResponse,
    ) -> Result<Self, ProofError> {
        Self::checked(
            expected,
            VerifiedBy::RecoveryCode,
            (&resp.member_id, &resp.organization.organization_id),
            &resp.session_token,
            Some(&resp.session_jwt),
            resp.member_session.as_ref(),
        )
    }

    /// A primary authentication that Stytch answered with a full session.
    pub(crate) fn from_primary_response(
        flow_id: FlowId,
        resp: &PrimaryAuthResponse,
    ) -> Result<Self, ProofError> {
        if !resp.member_authenticated {
            return Err(ProofError::NoSession);
        }
        let token = resp.session_token.as_ref().ok_or(ProofError::NoSession)?;
        let expected = Expected {
            flow_id,
            member_id: &resp.member.member_id,
            organization_id: &resp.member.organization_id,
        };
        Self::checked(
            &expected,
            VerifiedBy::PrimaryAuth,
            (&resp.member_id, resp.organization_id()),
            token,
            resp.session_jwt.as_ref(),
            resp.member_session.as_ref(),
        )
    }

    /// sessions authenticate accepted an existing session (start of a session-holding flow).
    pub(crate) fn from_session_authenticate(
        flow_id: FlowId,
        resp: &SessionAuthenticateResponse,
    ) -> Result<Self, ProofError> {
        let expected = Expected {
            flow_id,
            member_id: &resp.member.member_id,
            organization_id: &resp.member.organization_id,
        };
        Self::checked(
            &expected,
            VerifiedBy::ExistingSession,
            (
                &resp.member_session.member_id,
                &resp.member_session.organization_id,
            ),
            &resp.session_token,
            Some(&resp.session_jwt),
            Some(&resp.member_session),
        )
    }

    /// A stored `primary_authed` row with a session: the store wrote it only after
    /// [`FactorVerified::from_primary_response`] or [`FactorVerified::from_session_authenticate`]
    /// vouched, so re-reading it is not a new claim.
    pub(crate) fn from_stored_row(
        flow_id: FlowId,
        by: VerifiedBy,
        session: SessionCredential,
    ) -> Self {
        FactorVerified {
            flow_id,
            by,
            session,
            session_expires_at: None,
        }
    }

    fn checked(
        expected: &Expected<'_>,
        by: VerifiedBy,
        (member_id, organization_id): (&str, &str),
        token: &SessionToken,
        jwt: Option<&SessionJwt>,
        wire_session: Option<&WireSession>,
    ) -> Result<Self, ProofError> {
        if member_id != expected.member_id {
            return Err(ProofError::WrongMember {
                expected: expected.member_id.to_owned(),
                got: member_id.to_owned(),
            });
        }
        if organization_id != expected.organization_id {
            return Err(ProofError::WrongOrganization {
                expected: expected.organization_id.to_owned(),
                got: organization_id.to_owned(),
            });
        }
        if token.is_empty() {
            return Err(ProofError::NoSession);
        }
        let session = SessionCredential {
            token: token.clone(),
            jwt: jwt.filter(|j| !j.is_empty()).cloned(),
            member_session_id: wire_session.map(|s| s.member_session_id.clone()),
        };
        Ok(FactorVerified {
            flow_id: expected.flow_id,
            by,
            session,
            session_expires_at: wire_session.and_then(|s| s.expires_at),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{authenticated, mfa_ok};

    #[test]
    fn mfa_response_for_another_member_is_not_a_proof() {
        let id = FlowId::new();
        let expected = Expected {
            flow_id: id,
            member_id: "mem-1",
            organization_id: "org-1",
        };
        let err = FactorVerified::from_mfa_response(&expected, VerifiedBy::Sms, &mfa_ok("mem-2"))
            .unwrap_err();
        assert!(matches!(err, ProofError::WrongMember { .. }), "{err:?}");
        let ok = FactorVerified::from_mfa_response(&expected, VerifiedBy::Sms, &mfa_ok("mem-1"))
            .unwrap();
        assert_eq!((ok.flow_id(), ok.verified_by()), (id, VerifiedBy::Sms));
    }

    #[test]
    fn primary_response_without_a_session_is_not_a_proof() {
        let mut resp = authenticated();
        resp.session_token = None;
        assert_eq!(
            FactorVerified::from_primary_response(FlowId::new(), &resp).unwrap_err(),
            ProofError::NoSession
        );
    }
}
