//! The client's one error type: Stytch said no ([`ApiError`]), the request never completed
//! (transport, told apart by [`Unanswered`]: never sent, timed out, connection lost), or the
//! answer could not be read (decode).
//!
//! Must never carry a secret: request bodies are not kept, only Stytch's error fields.

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum StytchError {
    /// Stytch answered with an error body (HTTP status >= 400).
    #[error(transparent)]
    Api(#[from] ApiError),
    /// Connecting, sending or receiving failed; no Stytch answer was read.
    #[error("could not reach Stytch: {0}")]
    Transport(#[source] reqwest::Error),
    /// Stytch answered, but the body was not the JSON this client expects.
    #[error("could not decode Stytch's HTTP {status} response: {source}")]
    Decode {
        status: u16,
        #[source]
        source: serde_json::Error,
    },
    /// The configuration cannot produce a valid request (bad base URL, ...).
    #[error("invalid client configuration: {0}")]
    Config(String),
}

impl StytchError {
    /// The API error, if Stytch answered with one.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            StytchError::Api(e) => Some(e),
            _ => None,
        }
    }

    /// For a transport failure: whether the request can have reached Stytch. `None` when
    /// Stytch answered (or the configuration is bad).
    pub fn unanswered(&self) -> Option<Unanswered> {
        let StytchError::Transport(e) = self else {
            return None;
        };
        Some(if e.is_connect() || e.is_builder() {
            Unanswered::NotSent
        } else if e.is_timeout() {
            Unanswered::TimedOut
        } else {
            Unanswered::ConnectionLost
        })
    }

    /// True when Stytch answered with this `error_type`.
    pub fn is_api(&self, error_type: &str) -> bool {
        self.api().is_some_and(|e| e.error_type == error_type)
    }
}

/// How a request without an answer failed: what a caller needs to know is whether Stytch
/// can have acted on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unanswered {
    /// No connection was made (or the request could not be built): Stytch did nothing.
    NotSent,
    /// The request went out and [`crate::ClientConfig::timeout`] passed before the answer:
    /// Stytch may have acted on it.
    TimedOut,
    /// The request went out and the connection closed before an answer was read: Stytch may
    /// have acted on it.
    ConnectionLost,
}

/// Stytch's error body (CONTRACT §1.5).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("Stytch error {status} {error_type}: {error_message} (request {request_id})")]
pub struct ApiError {
    /// HTTP status (the body's `status_code` when the body has one).
    pub status: u16,
    pub error_type: String,
    pub error_message: String,
    pub request_id: String,
    pub error_url: Option<String>,
}

/// The body as Stytch sends it; the OAuth-style aliases are accepted as the SDKs do.
#[derive(Deserialize)]
struct ErrorBody {
    status_code: Option<u16>,
    #[serde(default)]
    request_id: Option<String>,
    #[serde(alias = "error")]
    error_type: String,
    #[serde(alias = "error_description", default)]
    error_message: Option<String>,
    #[serde(alias = "error_uri", default)]
    error_url: Option<String>,
}

/// Parse an error response. A body that is not a Stytch error becomes [`StytchError::Decode`].
pub(crate) fn parse_error(status: u16, body: &[u8]) -> StytchError {
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) => StytchError::Api(ApiError {
            status: b.status_code.unwrap_or(status),
            error_type: b.error_type,
            error_message: b.error_message.unwrap_or_default(),
            request_id: b.request_id.unwrap_or_default(),
            error_url: b.error_url,
        }),
        Err(source) => StytchError::Decode { status, source },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_stytch_error_body() {
        let body = br#"{"status_code":404,"request_id":"request-id-test-1","error_type":"member_not_found",
            "error_message":"Member not found","error_url":"https://stytch.com/docs/api/errors/404"}"#;
        let e = parse_error(404, body);
        let api = e.api().expect("api error");
        assert_eq!(api.status, 404);
        assert_eq!(api.error_type, "member_not_found");
        assert_eq!(api.error_message, "Member not found");
        assert_eq!(api.request_id, "request-id-test-1");
        assert!(e.is_api("member_not_found"));
        assert!(e.to_string().contains("member_not_found"));
    }

    #[test]
    fn accepts_oauth_style_aliases() {
        let e = parse_error(
            401,
            br#"{"error":"unauthorized_credentials","error_description":"no"}"#,
        );
        let api = e.api().unwrap();
        assert_eq!(
            (
                api.status,
                api.error_type.as_str(),
                api.error_message.as_str()
            ),
            (401, "unauthorized_credentials", "no")
        );
    }

    #[test]
    fn non_json_error_body_is_a_decode_error() {
        let e = parse_error(502, b"<html>bad gateway</html>");
        assert!(
            matches!(e, StytchError::Decode { status: 502, .. }),
            "{e:?}"
        );
    }
}
