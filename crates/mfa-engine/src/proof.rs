//! [`FactorVerified`]: the proof that Stytch accepted a factor for *this* flow's member.
//!
//! It is the only way into [`crate::MemberSession`], and only this module creates it — each
//! constructor below checks a Stytch success response (member and organization match the
//! flow, the session token is present). `grep FactorVerified::from_` finds every place that
//! vouches. This module must never create a proof from anything the user sent.

use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use stytch_client::api::MfaAuthenticateResponse;
use stytch_client::api::recovery_codes::RecoverResponse;
use stytch_client::api::sessions::SessionAuthenticateResponse;
use stytch_client::wire::{MemberSession as WireSession, PrimaryAuthResponse};
use stytch_client::{SessionJwt, SessionToken};

use crate::credential::SessionCredential;
use crate::id::FlowId;
use crate::kind::{ExistingSession, Method, PrimaryAuth, ProofKind, RecoveryCode, VerifiedBy};

/// A verified factor of kind `K` plus the session Stytch granted for it. Fields are private and
/// there is no public constructor: see the module docs. `K` is what a transition may accept:
/// `ChallengePending<Sms>::complete` takes a `FactorVerified<Sms>` and nothing else.
#[derive(Debug)]
pub struct FactorVerified<K: ProofKind> {
    flow_id: FlowId,
    session: SessionCredential,
    session_expires_at: Option<DateTime<Utc>>,
    kind: PhantomData<K>,
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

impl<K: ProofKind> FactorVerified<K> {
    pub fn verified_by(&self) -> VerifiedBy {
        K::BY
    }

    pub fn flow_id(&self) -> FlowId {
        self.flow_id
    }

    pub(crate) fn into_parts(self) -> (SessionCredential, Option<DateTime<Utc>>) {
        (self.session, self.session_expires_at)
    }

    /// SMS OTP / TOTP authenticate succeeded: `K` is the method whose endpoint answered.
    pub(crate) fn from_mfa_response(
        expected: &Expected<'_>,
        resp: &MfaAuthenticateResponse,
    ) -> Result<Self, ProofError>
    where
        K: Method,
    {
        Self::checked(
            expected,
            (&resp.member_id, &resp.organization.organization_id),
            &resp.session_token,
            Some(&resp.session_jwt),
            resp.member_session.as_ref(),
        )
    }

    fn checked(
        expected: &Expected<'_>,
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
            session,
            session_expires_at: wire_session.and_then(|s| s.expires_at),
            kind: PhantomData,
        })
    }
}

impl FactorVerified<RecoveryCode> {
    /// Recovery code recover succeeded.
    pub(crate) fn from_recover_response(
        expected: &Expected<'_>,
        resp: &RecoverResponse,
    ) -> Result<Self, ProofError> {
        Self::checked(
            expected,
            (&resp.member_id, &resp.organization.organization_id),
            &resp.session_token,
            Some(&resp.session_jwt),
            resp.member_session.as_ref(),
        )
    }
}

impl FactorVerified<PrimaryAuth> {
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
            (&resp.member_id, resp.organization_id()),
            token,
            resp.session_jwt.as_ref(),
            resp.member_session.as_ref(),
        )
    }
}

impl FactorVerified<ExistingSession> {
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
            (
                &resp.member_session.member_id,
                &resp.member_session.organization_id,
            ),
            &resp.session_token,
            Some(&resp.session_jwt),
            Some(&resp.member_session),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::Sms;
    use crate::test_support::{authenticated, mfa_ok};

    #[test]
    fn mfa_response_for_another_member_is_not_a_proof() {
        let id = FlowId::new();
        let expected = Expected {
            flow_id: id,
            member_id: "mem-1",
            organization_id: "org-1",
        };
        let err =
            FactorVerified::<Sms>::from_mfa_response(&expected, &mfa_ok("mem-2")).unwrap_err();
        assert!(matches!(err, ProofError::WrongMember { .. }), "{err:?}");
        let ok = FactorVerified::<Sms>::from_mfa_response(&expected, &mfa_ok("mem-1")).unwrap();
        assert_eq!((ok.flow_id(), ok.verified_by()), (id, VerifiedBy::Sms));
    }

    #[test]
    fn primary_response_without_a_session_is_not_a_proof() {
        let mut resp = authenticated();
        resp.session_token = None;
        assert_eq!(
            FactorVerified::<PrimaryAuth>::from_primary_response(FlowId::new(), &resp).unwrap_err(),
            ProofError::NoSession
        );
    }
}
