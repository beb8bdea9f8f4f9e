//! The credential that continues a flow: an IST while MFA is pending, or a member session.
//! Plain data shared by the proofs, the typestates and the store; must never be logged.

use stytch_client::{IntermediateSessionToken, SessionAuth, SessionJwt, SessionToken};

/// A member session as Stytch granted it. `Debug` shows no secret.
#[derive(Clone, Debug)]
pub struct SessionCredential {
    pub(crate) token: SessionToken,
    pub(crate) jwt: Option<SessionJwt>,
    pub(crate) member_session_id: Option<String>,
}

impl SessionCredential {
    pub fn session_token(&self) -> &SessionToken {
        &self.token
    }

    pub fn session_jwt(&self) -> Option<&SessionJwt> {
        self.jwt.as_ref()
    }

    pub fn member_session_id(&self) -> Option<&str> {
        self.member_session_id.as_deref()
    }
}

/// What continues a flow. `Debug` shows no secret.
#[derive(Clone, Debug)]
pub enum Credential {
    Intermediate(IntermediateSessionToken),
    Session(SessionCredential),
}

impl Credential {
    /// The one session argument an MFA call takes (CONTRACT §3 R5).
    pub(crate) fn session_auth(&self) -> SessionAuth {
        match self {
            Credential::Intermediate(ist) => SessionAuth::Intermediate(ist.clone()),
            Credential::Session(s) => SessionAuth::Token(s.token.clone()),
        }
    }

    pub(crate) fn is_session(&self) -> bool {
        matches!(self, Credential::Session(_))
    }
}
