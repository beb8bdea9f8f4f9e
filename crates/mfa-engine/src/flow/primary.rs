//! `PrimaryAuthed`: the member proved a primary factor; where to go next is not decided yet.
//! It lives only in memory, between a Stytch response and [`PrimaryAuthed::route`]: it is not a
//! [`FlowState`](super::FlowState), so no store can hold it, and a flow's first write is in the
//! state it routed to. Built from a Stytch response inside this crate, never by callers.

use chrono::{DateTime, Duration, Utc};
use stytch_client::IntermediateSessionToken;
use stytch_client::api::sessions::SessionAuthenticateResponse;
use stytch_client::wire::PrimaryAuthResponse;

use super::session::into_session;
use super::{
    AnyChallenge, ChallengePending, Credential, EnrollmentPending, FlowCore, FlowId, LoginFlow,
    MemberSession,
};
use crate::kind::{ExistingSession, PrimaryAuth, Sms, Totp};
use crate::method::{MethodSet, MfaMethod};
use crate::proof::{FactorVerified, ProofError};
use crate::routing::{self, MfaFacts, Route};

/// An IST lives 10 minutes (CONTRACT §1.9); used when Stytch does not say.
pub(crate) const IST_LIFETIME: Duration = Duration::minutes(10);

/// A flow that has passed primary authentication and is not routed yet. Not storable.
#[derive(Debug)]
pub struct PrimaryAuthed {
    core: FlowCore,
    outcome: PrimaryOutcome,
}

#[derive(Debug)]
enum PrimaryOutcome {
    /// `mfa_required: null`: Stytch granted a session (the proof carries it).
    Authenticated(FactorVerified<PrimaryAuth>),
    /// An existing session was checked with sessions authenticate.
    Adopted(FactorVerified<ExistingSession>),
    /// MFA is pending: the IST to continue with, and what Stytch said about the factors.
    MfaPending {
        ist: IntermediateSessionToken,
        facts: MfaFacts,
    },
}

/// The three ways out of [`PrimaryAuthed`]: the only values a store inserts.
#[derive(Debug)]
pub enum AfterPrimary {
    Session(LoginFlow<MemberSession>),
    Enroll(LoginFlow<EnrollmentPending>),
    Challenge(AnyChallenge),
}

impl AfterPrimary {
    pub fn id(&self) -> FlowId {
        match self {
            AfterPrimary::Session(f) => f.id(),
            AfterPrimary::Enroll(f) => f.id(),
            AfterPrimary::Challenge(c) => c.id(),
        }
    }

    pub(crate) fn core_mut(&mut self) -> &mut FlowCore {
        match self {
            AfterPrimary::Session(f) => &mut f.core,
            AfterPrimary::Enroll(f) => &mut f.core,
            AfterPrimary::Challenge(AnyChallenge::Sms(f)) => &mut f.core,
            AfterPrimary::Challenge(AnyChallenge::Totp(f)) => &mut f.core,
        }
    }
}

/// A primary-auth response this engine cannot start a flow from.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    /// Another *primary* factor is required (CONTRACT §3 R2.2); not an MFA flow.
    #[error("another primary factor is required (allowed: {allowed_auth_methods:?})")]
    PrimaryRequired { allowed_auth_methods: Vec<String> },
    /// MFA is required but the organization allows no method this engine knows.
    #[error("MFA is required but no MFA method is allowed")]
    NoAllowedMfaMethod,
    #[error("Stytch's response is inconsistent: {0}")]
    Malformed(&'static str),
    #[error(transparent)]
    Proof(#[from] ProofError),
}

impl PrimaryAuthed {
    /// Start a flow from any primary-auth response (magic link, password, SSO, OAuth, resets,
    /// sessions exchange). `session_lifetime` is used when Stytch omits the session's expiry.
    pub(crate) fn from_primary_response(
        resp: &PrimaryAuthResponse,
        now: DateTime<Utc>,
        session_lifetime: Duration,
    ) -> Result<Self, StartError> {
        let id = FlowId::new();
        let allowed = routing::allowed_methods(&resp.organization, &resp.member);
        let (outcome, expires_at) = if resp.member_authenticated {
            let proof = FactorVerified::from_primary_response(id, resp)?;
            let expires = resp.member_session.as_ref().and_then(|s| s.expires_at);
            (
                PrimaryOutcome::Authenticated(proof),
                expires.unwrap_or(now + session_lifetime),
            )
        } else if let Some(required) = &resp.mfa_required {
            let ist = resp
                .intermediate_session_token
                .clone()
                .ok_or(StartError::Malformed(
                    "MFA pending without an intermediate session token",
                ))?;
            if allowed.is_empty() {
                return Err(StartError::NoAllowedMfaMethod);
            }
            let facts = routing::mfa_facts(required, &resp.member);
            let expires = resp
                .intermediate_session_token_expires_at
                .unwrap_or(now + IST_LIFETIME);
            (PrimaryOutcome::MfaPending { ist, facts }, expires)
        } else if let Some(p) = &resp.primary_required {
            return Err(StartError::PrimaryRequired {
                allowed_auth_methods: p.allowed_auth_methods.clone(),
            });
        } else {
            return Err(StartError::Malformed(
                "not authenticated, yet nothing is required",
            ));
        };
        Ok(Self::new(
            id,
            resp.organization_id(),
            &resp.member_id,
            allowed,
            outcome,
            now,
            expires_at,
        ))
    }

    /// Start a session-holding flow (optional enrollment, step-up) from an existing session.
    pub(crate) fn from_session_authenticate(
        resp: &SessionAuthenticateResponse,
        now: DateTime<Utc>,
        session_lifetime: Duration,
    ) -> Result<Self, StartError> {
        let id = FlowId::new();
        let allowed = routing::allowed_methods(&resp.organization, &resp.member);
        let proof = FactorVerified::from_session_authenticate(id, resp)?;
        let expires_at = resp
            .member_session
            .expires_at
            .unwrap_or(now + session_lifetime);
        Ok(Self::new(
            id,
            &resp.member_session.organization_id,
            &resp.member_session.member_id,
            allowed,
            PrimaryOutcome::Adopted(proof),
            now,
            expires_at,
        ))
    }

    fn new(
        id: FlowId,
        organization_id: &str,
        member_id: &str,
        allowed: MethodSet,
        outcome: PrimaryOutcome,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Self {
        // A skewed clock must not produce a row that is born expired (or breaks the CHECK).
        let expires_at = if expires_at > now {
            expires_at
        } else {
            now + IST_LIFETIME
        };
        PrimaryAuthed {
            core: FlowCore {
                id,
                organization_id: organization_id.to_owned(),
                member_id: member_id.to_owned(),
                allowed,
                created_at: now,
                expires_at,
                version: 0,
            },
            outcome,
        }
    }

    pub fn id(&self) -> FlowId {
        self.core.id
    }

    pub fn expires_at(&self) -> DateTime<Utc> {
        self.core.expires_at
    }

    /// True while MFA (enrollment or challenge) still stands between the member and a session.
    pub fn mfa_required(&self) -> bool {
        matches!(self.outcome, PrimaryOutcome::MfaPending { .. })
    }

    /// CONTRACT §3: session, enrollment or challenge. See [`routing::decide`].
    pub fn route(self) -> AfterPrimary {
        let PrimaryAuthed { core, outcome } = self;
        // The proofs here were made for this very flow (same id), when it was built.
        match outcome {
            PrimaryOutcome::Authenticated(proof) => {
                AfterPrimary::Session(into_session(core, proof))
            }
            PrimaryOutcome::Adopted(proof) => AfterPrimary::Session(into_session(core, proof)),
            PrimaryOutcome::MfaPending { ist, facts } => route_mfa(core, ist, facts),
        }
    }
}

fn route_mfa(core: FlowCore, ist: IntermediateSessionToken, facts: MfaFacts) -> AfterPrimary {
    match routing::decide(core.allowed, Some(&facts)) {
        // `decide` only says Session when no facts are given; kept total all the same.
        Route::Session | Route::Enroll { .. } => {
            let offered = core.allowed;
            AfterPrimary::Enroll(LoginFlow {
                core,
                state: EnrollmentPending {
                    credential: Credential::Intermediate(ist),
                    offered,
                    set_mfa_enrollment: false,
                },
            })
        }
        Route::Challenge {
            available,
            method,
            sms_sent,
        } => {
            let credential = Credential::Intermediate(ist);
            let phone_number = facts.phone_number;
            AfterPrimary::Challenge(match method {
                MfaMethod::Sms => AnyChallenge::Sms(LoginFlow {
                    core,
                    state: ChallengePending::<Sms>::new(
                        credential,
                        available,
                        sms_sent,
                        phone_number,
                    ),
                }),
                MfaMethod::Totp => AnyChallenge::Totp(LoginFlow {
                    core,
                    state: ChallengePending::<Totp>::new(
                        credential,
                        available,
                        false,
                        phone_number,
                    ),
                }),
            })
        }
    }
}
