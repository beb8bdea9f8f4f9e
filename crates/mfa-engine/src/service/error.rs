//! What a service call can fail with. Expected outcomes a user can cause (wrong code, expired,
//! wrong state, a Stytch 4xx) are split from failures of the system (store, transport, 5xx):
//! see [`ServiceError::is_client_error`]. Callers decide on [`ServiceError::kind`], an enum,
//! never on a message or an `error_type` string: the one catalog of Stytch's `error_type`s is
//! [`rejection`] below. Messages never contain a secret.

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

/// What went wrong, as a caller decides on it. `as_str` is a stable name (reports, logs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    FlowNotFound,
    FlowExpired,
    FlowStale,
    WrongState,
    WrongCode,
    TooManyAttempts,
    Locked,
    /// The method is not offered / not available in this flow.
    TransitionNotAllowed,
    /// Every allowed factor is already enrolled.
    NothingToOffer,
    PrimaryRequired,
    NoAllowedMfaMethod,
    /// Stytch refused the email, password or member for this organization.
    BadCredentials,
    /// Stytch refused the phone number (format, missing, or another one already set).
    BadPhoneNumber,
    /// A magic link, SSO or OAuth token that is unknown, used or expired.
    LinkUnusable,
    /// Any other Stytch 4xx.
    Refused,
    /// Stytch unreachable, 5xx, or unreadable.
    StytchUnavailable,
    Inconsistent,
    Store,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::FlowNotFound => "flow_not_found",
            ErrorKind::FlowExpired => "flow_expired",
            ErrorKind::FlowStale => "flow_stale",
            ErrorKind::WrongState => "wrong_state",
            ErrorKind::WrongCode => "wrong_code",
            ErrorKind::TooManyAttempts => "too_many_attempts",
            ErrorKind::Locked => "locked",
            ErrorKind::TransitionNotAllowed => "transition_not_allowed",
            ErrorKind::NothingToOffer => "nothing_to_offer",
            ErrorKind::PrimaryRequired => "primary_required",
            ErrorKind::NoAllowedMfaMethod => "no_allowed_mfa_method",
            ErrorKind::BadCredentials => "bad_credentials",
            ErrorKind::BadPhoneNumber => "bad_phone_number",
            ErrorKind::LinkUnusable => "link_unusable",
            ErrorKind::Refused => "refused",
            ErrorKind::StytchUnavailable => "stytch_unavailable",
            ErrorKind::Inconsistent => "inconsistent",
            ErrorKind::Store => "store_error",
        }
    }

    /// True for outcomes caused by the user or their input (4xx), false for system failures.
    pub fn is_client_error(self) -> bool {
        !matches!(
            self,
            ErrorKind::StytchUnavailable | ErrorKind::Inconsistent | ErrorKind::Store
        )
    }
}

impl ServiceError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            ServiceError::NotFound(_) => ErrorKind::FlowNotFound,
            ServiceError::Expired(_) => ErrorKind::FlowExpired,
            ServiceError::Stale(_) => ErrorKind::FlowStale,
            ServiceError::WrongState(_) => ErrorKind::WrongState,
            ServiceError::WrongCode { .. } => ErrorKind::WrongCode,
            ServiceError::TooManyAttempts => ErrorKind::TooManyAttempts,
            ServiceError::Locked => ErrorKind::Locked,
            ServiceError::Transition(TransitionError::NothingToOffer) => ErrorKind::NothingToOffer,
            ServiceError::Transition(TransitionError::MethodNotAvailable(_)) => {
                ErrorKind::TransitionNotAllowed
            }
            // The service makes every proof for the flow it loaded: this is a bug.
            ServiceError::Transition(TransitionError::ProofForAnotherFlow) => {
                ErrorKind::Inconsistent
            }
            ServiceError::PrimaryRequired { .. } => ErrorKind::PrimaryRequired,
            ServiceError::NoAllowedMfaMethod => ErrorKind::NoAllowedMfaMethod,
            ServiceError::Rejected(api) => match rejection(&api.error_type) {
                Rejection::BadCredentials => ErrorKind::BadCredentials,
                Rejection::BadPhoneNumber => ErrorKind::BadPhoneNumber,
                Rejection::LinkUnusable => ErrorKind::LinkUnusable,
                Rejection::WrongCode => ErrorKind::WrongCode,
                Rejection::FlowDead => ErrorKind::FlowExpired,
                Rejection::Locked => ErrorKind::Locked,
                Rejection::Other => ErrorKind::Refused,
            },
            ServiceError::Stytch(_) => ErrorKind::StytchUnavailable,
            ServiceError::Inconsistent(_) => ErrorKind::Inconsistent,
            ServiceError::Store(_) => ErrorKind::Store,
        }
    }

    /// Stytch's own `error_type`, when Stytch answered with an error (for reports and logs).
    pub fn stytch_error_type(&self) -> Option<&str> {
        match self {
            ServiceError::Rejected(api) => Some(&api.error_type),
            ServiceError::Stytch(e) => e.api().map(|a| a.error_type.as_str()),
            _ => None,
        }
    }

    /// True for outcomes caused by the user or their input (an app shows them; 4xx), false
    /// for failures of the system (an app logs them; 5xx).
    pub fn is_client_error(&self) -> bool {
        self.kind().is_client_error()
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

/// Stytch's `error_type`s this engine decides on, by what they mean for a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// The code was wrong, expired, used, or sent to the wrong endpoint.
    WrongCode,
    /// The IST or session behind the flow is gone.
    FlowDead,
    Locked,
    BadCredentials,
    BadPhoneNumber,
    LinkUnusable,
    Other,
}

/// The catalog (CONTRACT §1.10 plus what the mock answers). An unknown type is `Other`.
pub(crate) fn rejection(error_type: &str) -> Rejection {
    match error_type {
        "otp_code_not_found"
        | "unable_to_auth_otp_code"
        | "unable_to_authenticate_otp_code"
        | "otp_code_expired"
        | "otp_code_attempts_exceeded"
        | "invalid_code"
        | "unable_to_authenticate_totp"
        | "totp_code_already_authenticated"
        | "unable_to_authenticate_recovery_code"
        | "recovery_code_used_as_totp_code"
        | "totp_code_used_as_recovery_code" => Rejection::WrongCode,
        "intermediate_session_not_found" | "session_not_found" | "member_session_not_found" => {
            Rejection::FlowDead
        }
        "user_lock_limit_reached" | "member_locked" | "user_locked" => Rejection::Locked,
        "unauthorized_credentials"
        | "member_password_not_found"
        | "member_not_found"
        | "email_not_found" => Rejection::BadCredentials,
        "invalid_phone_number"
        | "member_phone_number_not_found"
        | "duplicate_member_phone_number"
        | "duplicate_member_phone_number_for_member" => Rejection::BadPhoneNumber,
        "unable_to_auth_magic_link"
        | "magic_link_not_found"
        | "sso_token_not_found"
        | "unable_to_auth_sso_token"
        | "oauth_token_not_found"
        | "unable_to_auth_oauth_token" => Rejection::LinkUnusable,
        _ => Rejection::Other,
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
    let Some(api) = e.api().filter(|a| a.status < 500) else {
        return CodeFailure::Other;
    };
    match rejection(&api.error_type) {
        Rejection::WrongCode => CodeFailure::WrongCode,
        Rejection::FlowDead => CodeFailure::FlowDead,
        Rejection::Locked => CodeFailure::Locked,
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
    fn rejections_have_a_typed_kind() {
        let kind = |t| ServiceError::from(api(400, t)).kind();
        assert_eq!(kind("invalid_phone_number"), ErrorKind::BadPhoneNumber);
        assert_eq!(
            kind("duplicate_member_phone_number_for_member"),
            ErrorKind::BadPhoneNumber
        );
        assert_eq!(kind("unauthorized_credentials"), ErrorKind::BadCredentials);
        assert_eq!(kind("unable_to_auth_magic_link"), ErrorKind::LinkUnusable);
        // A name that merely contains "phone" is not a phone-number problem.
        assert_eq!(kind("phone_provider_down"), ErrorKind::Refused);
        assert_eq!(
            ServiceError::from(api(503, "internal_server_error")).kind(),
            ErrorKind::StytchUnavailable
        );
    }

    #[test]
    fn stytch_4xx_is_a_client_error_and_5xx_is_not() {
        assert!(ServiceError::from(api(400, "invalid_phone_number")).is_client_error());
        assert!(!ServiceError::from(api(503, "internal_server_error")).is_client_error());
        assert!(ServiceError::WrongCode { attempts_left: 1 }.is_client_error());
    }
}
