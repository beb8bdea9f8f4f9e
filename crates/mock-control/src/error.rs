//! The client's one error type: the mock said no (in Stytch's error shape), the request never
//! completed, the answer was not the JSON expected, or an intent helper found nothing (an empty
//! outbox for that filter).
//!
//! Must never carry the project secret: only the path, the status and the mock's error fields.

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    /// The mock answered with an error body (`{status_code, request_id, error_type, ...}`).
    #[error("{path}: HTTP {status} {error_type}: {error_message} (request {request_id})")]
    Refused {
        path: String,
        status: u16,
        error_type: String,
        error_message: String,
        request_id: String,
    },
    /// Connecting, sending or receiving failed; no answer was read.
    #[error("{path}: could not reach the mock: {source}")]
    Transport {
        path: String,
        #[source]
        source: reqwest::Error,
    },
    /// The mock answered, but not with the JSON this client expects.
    #[error("{path}: could not decode the HTTP {status} answer: {source}")]
    Decode {
        path: String,
        status: u16,
        #[source]
        source: serde_json::Error,
    },
    /// An intent helper (`latest_sms_code`, `magic_link_token`, ...) found no matching message
    /// or no field of the kind it wanted in it.
    #[error("no {wanted} in the outbox for {filter}")]
    NotInOutbox {
        wanted: &'static str,
        filter: String,
    },
}

impl ControlError {
    /// Stytch's `error_type` of a refusal; `outbox_empty` when a helper found nothing;
    /// `control_api` when the mock could not be reached or read.
    pub fn error_type(&self) -> &str {
        match self {
            ControlError::Refused { error_type, .. } => error_type,
            ControlError::NotInOutbox { .. } => "outbox_empty",
            ControlError::Transport { .. } | ControlError::Decode { .. } => "control_api",
        }
    }

    /// The HTTP status of a refusal.
    pub fn status(&self) -> Option<u16> {
        match self {
            ControlError::Refused { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// The error body as the mock sends it (Stytch's shape).
#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    error_type: String,
    #[serde(default)]
    error_message: String,
    #[serde(default)]
    request_id: String,
}

/// A non-2xx answer: Stytch's fields when the body has them, else the raw body as the message.
pub(crate) fn refused(path: &str, status: u16, body: &[u8]) -> ControlError {
    let (error_type, error_message, request_id) = match serde_json::from_slice::<ErrorBody>(body) {
        Ok(b) if !b.error_type.is_empty() => (b.error_type, b.error_message, b.request_id),
        _ => (
            "control_api".to_owned(),
            String::from_utf8_lossy(body).into_owned(),
            String::new(),
        ),
    };
    ControlError::Refused {
        path: path.to_owned(),
        status,
        error_type,
        error_message,
        request_id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stytch_error_body_keeps_its_fields() {
        let e = refused(
            "/_mock/clock",
            400,
            br#"{"status_code":400,"request_id":"request-id-test-1","error_type":"invalid_argument","error_message":"Give exactly one","error_url":"u"}"#,
        );
        assert_eq!(e.error_type(), "invalid_argument");
        assert_eq!(e.status(), Some(400));
        let text = e.to_string();
        assert!(
            text.contains("/_mock/clock") && text.contains("request-id-test-1"),
            "{text}"
        );
    }

    #[test]
    fn a_body_that_is_not_stytch_shaped_is_kept_as_the_message() {
        let e = refused("/_mock/outbox", 502, b"<html>bad gateway</html>");
        assert_eq!(e.error_type(), "control_api");
        assert!(e.to_string().contains("bad gateway"));
    }
}
