//! What a service call can fail with. Expected outcomes a user can cause (wrong code, expired,
//! wrong state, a Stytch 4xx) are split from failures of the system (store, transport, 5xx):
//! see [`ServiceError::is_client_error`]. Messages never contain a secret.

use stytch_client::{ApiError, StytchError};

use crate::flow::{FlowId, StartError, TransitionError, UnexpectedState};
use crate::proof::ProofError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("no such login flow {0}")]
    NotFound(FlowId),
    /// The flow (or the IST/session behind it) expired; start the login again.
    #[error("login flow {0} has expired")]
    Expired(FlowId),
    /// A concurrent request advanced the same flow first.
    #[error("login flow {0} was changed by another request")]
    Stale(FlowId),
    /// This step needs the flow in another state (e.g. a code submitted after success).
    #[error(transparent)]
    WrongState(#[from] UnexpectedState),
    /// Stytch rejected the code; the flow stays where it was.
    #[error("wrong code ({attempts_left} attempts left)")]
    WrongCode { attempts_left: u32 },
    /// Too many wrong codes: the flow is gone; start the login again.
    #[error("too many wrong codes; start again")]
    TooManyAttempts,
    /// Stytch locked the member after repeated failures.
    #[error("the member is locked")]
    Locked,
    /// The step is not possible in this flow (method not offered, nothing started, ...).
    #[error(transparent)]
    Transition(#[from] TransitionError),
    /// The primary authentication needs another *primary* factor; not handled by this engine.
    #[error("another primary factor is required (allowed: {allowed_auth_methods:?})")]
    PrimaryRequired { allowed_auth_methods: Vec<String> },
    /// MFA is required but the organization allows no MFA method this engine supports.
    #[error("MFA is required but no MFA method is allowed")]
    NoAllowedMfaMethod,
    /// Stytch refused the request with a 4xx (bad phone number, token used, ...).
    #[error(transparent)]
    Rejected(ApiError),
    /// Stytch could not be reached, answered 5xx, or answered something unreadable.
    #[error(transparent)]
    Stytch(StytchError),
    /// Stytch's success answer did not match the flow (a bug or a misconfiguration).
    #[error("Stytch's answer does not fit the flow: {0}")]
    Inconsistent(String),
    #[error(transparent)]
    Store(StoreError),
}

impl ServiceError {
    /// True for outcomes caused by the user or their input (an app shows them; 4xx), false
    /// for failures of the system (an app logs them; 5xx).
    pub fn is_client_error(&self) -> bool {
        !matches!(
            self,
            ServiceError::Stytch(_) | ServiceError::Inconsistent(_) | ServiceError::Store(_)
        )
    }
}

impl From<StytchError> for ServiceError {
    fn from(e: StytchError) -> Self {
        match e {
            StytchError::Api(api) if api.status < 500 => ServiceError::Rejected(api),
            other => ServiceError::Stytch(other),
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(id) => ServiceError::NotFound(id),
            StoreError::Expired(id) => ServiceError::Expired(id),
            StoreError::Stale(id) => ServiceError::Stale(id),
            other => ServiceError::Store(other),
        }
    }
}

impl From<StartError> for ServiceError {
    fn from(e: StartError) -> Self {
        match e {
            StartError::PrimaryRequired {
                allowed_auth_methods,
            } => ServiceError::PrimaryRequired {
                allowed_auth_methods,
            },
            StartError::NoAllowedMfaMethod => ServiceError::NoAllowedMfaMethod,
            other => ServiceError::Inconsistent(other.to_string()),
        }
    }
}

impl From<ProofError> for ServiceError {
    fn from(e: ProofError) -> Self {
        ServiceError::Inconsistent(e.to_string())
    }
}

/// How a failed code-checking call affects the flow.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum CodeFailure {
    /// The code was wrong/expired/used: count a failure, keep the flow.
    WrongCode,
    /// The IST or session behind the flow is gone: the flow is dead.
    FlowDead,
    Locked,
    /// Anything else: leave the flow untouched and report the error.
    Other,
}

pub(crate) fn classify(e: &StytchError) -> CodeFailure {
    let Some(api) = e.api() else {
        return CodeFailure::Other;
    };
    let t = api.error_type.as_str();
    match t {
        "intermediate_session_not_found" | "session_not_found" | "member_session_not_found" => {
            CodeFailure::FlowDead
        }
        "user_lock_limit_reached" | "member_locked" | "user_locked" => CodeFailure::Locked,
        "otp_code_not_found"
        | "unable_to_auth_otp_code"
        | "unable_to_authenticate_otp_code"
        | "otp_code_expired"
        | "invalid_code"
        | "unable_to_authenticate_totp"
        | "totp_code_already_authenticated"
        | "unable_to_authenticate_recovery_code"
        | "recovery_code_used_as_totp_code"
        | "totp_code_used_as_recovery_code" => CodeFailure::WrongCode,
        _ if api.status < 500
            && !t.ends_with("_not_found")
            && (t.contains("code") || t.contains("otp") || t.contains("totp")) =>
        {
            CodeFailure::WrongCode
        }
        _ => CodeFailure::Other,
    }
}

#[cfg(test)]
mod tests {
    use stytch_client::ApiError;

    use super::*;

    fn api(status: u16, error_type: &str) -> StytchError {
        StytchError::Api(ApiError {
            status,
            error_type: error_type.into(),
            error_message: String::new(),
            request_id: String::new(),
            error_url: None,
        })
    }

    #[test]
    fn code_failures_are_classified_by_error_type() {
        assert_eq!(
            classify(&api(404, "otp_code_not_found")),
            CodeFailure::WrongCode
        );
        assert_eq!(
            classify(&api(401, "unable_to_authenticate_totp")),
            CodeFailure::WrongCode
        );
        assert_eq!(
            classify(&api(400, "otp_code_attempts_exceeded")),
            CodeFailure::WrongCode
        );
        assert_eq!(
            classify(&api(404, "intermediate_session_not_found")),
            CodeFailure::FlowDead
        );
        assert_eq!(
            classify(&api(423, "user_lock_limit_reached")),
            CodeFailure::Locked
        );
        assert_eq!(
            classify(&api(404, "recovery_codes_not_found")),
            CodeFailure::Other
        );
        assert_eq!(
            classify(&api(500, "internal_server_error")),
            CodeFailure::Other
        );
    }

    #[test]
    fn stytch_4xx_is_a_client_error_and_5xx_is_not() {
        assert!(ServiceError::from(api(400, "invalid_phone_number")).is_client_error());
        assert!(!ServiceError::from(api(503, "internal_server_error")).is_client_error());
        assert!(ServiceError::WrongCode { attempts_left: 1 }.is_client_error());
    }
}
