//! Member sessions: authenticate (validate/refresh), revoke, exchange into another org.

use serde::{Deserialize, Serialize};

use super::SessionOptions;
use crate::client::StytchClient;
use crate::error::StytchError;
use crate::secret::{SessionAuth, SessionJwt, SessionToken};
use crate::wire::{Member, MemberSession, Organization, PrimaryAuthResponse};

#[derive(Clone, Debug, Serialize)]
pub struct SessionAuthenticateRequest {
    /// A session token or JWT (an IST is not accepted by Stytch here).
    #[serde(flatten)]
    pub session: SessionAuth,
    /// Omitted → the session is not extended.
    #[serde(flatten)]
    pub session_options: SessionOptions,
}

impl SessionAuthenticateRequest {
    pub fn new(session: SessionAuth) -> Self {
        SessionAuthenticateRequest {
            session,
            session_options: SessionOptions::default(),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct SessionAuthenticateResponse {
    #[serde(default)]
    pub request_id: String,
    pub member_session: MemberSession,
    pub session_token: SessionToken,
    pub session_jwt: SessionJwt,
    pub member: Member,
    pub organization: Organization,
}

/// Which sessions to revoke.
#[derive(Clone, Debug)]
pub enum RevokeTarget {
    MemberSessionId(String),
    Session(SessionAuth),
    /// Every session of this member.
    MemberId(String),
}

impl Serialize for RevokeTarget {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            RevokeTarget::Session(auth) => auth.serialize(s),
            RevokeTarget::MemberSessionId(id) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("member_session_id", id)?;
                m.end()
            }
            RevokeTarget::MemberId(id) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("member_id", id)?;
                m.end()
            }
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct RevokeResponse {
    #[serde(default)]
    pub request_id: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct SessionExchangeRequest {
    pub organization_id: String,
    #[serde(flatten)]
    pub session: SessionAuth,
    #[serde(flatten)]
    pub session_options: SessionOptions,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

impl SessionExchangeRequest {
    pub fn new(organization_id: impl Into<String>, session: SessionAuth) -> Self {
        SessionExchangeRequest {
            organization_id: organization_id.into(),
            session,
            session_options: SessionOptions::default(),
            locale: None,
        }
    }
}

impl StytchClient {
    /// POST `/v1/b2b/sessions/authenticate`.
    pub async fn sessions_authenticate(
        &self,
        req: &SessionAuthenticateRequest,
    ) -> Result<SessionAuthenticateResponse, StytchError> {
        self.post(&["sessions", "authenticate"], req).await
    }

    /// POST `/v1/b2b/sessions/revoke`.
    pub async fn sessions_revoke(
        &self,
        target: &RevokeTarget,
    ) -> Result<RevokeResponse, StytchError> {
        self.post(&["sessions", "revoke"], target).await
    }

    /// POST `/v1/b2b/sessions/exchange` (session → session in another organization).
    pub async fn sessions_exchange(
        &self,
        req: &SessionExchangeRequest,
    ) -> Result<PrimaryAuthResponse, StytchError> {
        self.post(&["sessions", "exchange"], req).await
    }
}
