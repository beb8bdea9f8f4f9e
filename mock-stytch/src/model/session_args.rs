//! What a request says about its session: [`SessionKey`] (which session a token or JWT names,
//! resolved before the write lock) and [`SessionOptions`] (the duration and custom claims every
//! authenticate accepts). Re-exported by [`super::session`]; this module never reads or writes
//! a session row.

use serde_json::Value;

use super::session::{duration, not_found};
use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Which session a request names: its token, or the id in its JWT once the JWT's signature is
/// verified. Resolved before the write lock where the route can: an RS256 verification is CPU
/// work the whole batch would wait for.
#[derive(Clone, Debug)]
pub enum SessionKey {
    Token(String),
    Id(String),
}

impl SessionKey {
    /// Exactly one of token / JWT identifies the session (`too_many_session_arguments` /
    /// `no_session_arguments` otherwise). Empty strings count as absent. A JWT that does not
    /// verify names no session (`session_not_found`).
    pub async fn from_args(
        state: &AppState,
        token: Option<&str>,
        jwt: Option<&str>,
    ) -> ApiResult<SessionKey> {
        match (
            token.filter(|t| !t.is_empty()),
            jwt.filter(|t| !t.is_empty()),
        ) {
            (Some(t), None) => Ok(SessionKey::Token(t.to_owned())),
            (None, Some(j)) => SessionKey::from_jwt(state, j).await,
            (Some(_), Some(_)) => Err(ApiError::worded(
                catalog::TOO_MANY_SESSION_ARGUMENTS,
                "Provide session_token or session_jwt, not both.",
            )),
            (None, None) => Err(ApiError::worded(
                catalog::NO_SESSION_ARGUMENTS,
                "Provide session_token or session_jwt.",
            )),
        }
    }

    /// The session id in `jwt`, once its signature, audience and issuer verify.
    pub async fn from_jwt(state: &AppState, jwt: &str) -> ApiResult<SessionKey> {
        let claims = state
            .signing
            .get()
            .await?
            .verify(jwt, &state.config.project_id)
            .ok_or_else(not_found)?;
        let id = claims["https://stytch.com/session"]["id"]
            .as_str()
            .ok_or_else(not_found)?;
        Ok(SessionKey::Id(id.to_owned()))
    }
}

/// The session arguments every authenticate, exchange and session call accepts: flattened into
/// its request struct (`#[serde(flatten)] session: SessionOptions`), one place for their names
/// and checks.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct SessionOptions {
    pub session_duration_minutes: Option<i64>,
    pub session_custom_claims: Option<Value>,
}

impl SessionOptions {
    /// `session_duration_minutes`, checked (see [`duration`]).
    pub fn duration(&self) -> ApiResult<Option<i64>> {
        duration(self.session_duration_minutes)
    }

    pub fn claims(&self) -> Option<&Value> {
        self.session_custom_claims.as_ref()
    }
}
