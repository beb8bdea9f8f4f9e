//! What a service call can fail with. Expected outcomes a user can cause (wrong code, expired,
//! wrong state, a Stytch 4xx) are split from failures of the system (store, transport, 5xx):
//! see [`ServiceError::is_client_error`]. Callers decide on [`ServiceError::kind`] and
//! [`ServiceError::retry`], enums, never on a message or an `error_type` string: the one
//! catalog of Stytch's `error_type`s is [`super::rejection`]. Messages never contain a secret.
//!
//! Faults on a Stytch call never change the stored flow: the engine saves a step only after
//! Stytch's success answer, so a flow stays in its last persisted state and a retry starts
//! from there. What a retry of the *same* call means, by [`ErrorKind`]:
//!
//! | fault | kind | [`Retry`] |
//! |---|---|---|
//! | Stytch 5xx, no connection made | `StytchUnavailable` | `Now`: Stytch did nothing |
//! | 429 | `RateLimited` | `Later`: Stytch did nothing; wait a while |
//! | connection closed without an answer, timeout, unreadable success answer | `NoAnswer` | `Now` |
//! | any other Stytch 4xx | its kind (`WrongCode`, `LinkUnusable`, `Refused`, …) | `No` |
//!
//! `NoAnswer` means Stytch *may* have acted (`drop` vs `lose_answer`: a client cannot tell).
//! Retrying is safe because Stytch never accepts a code or token twice, and the retry's answer
//! says which it was. If Stytch had acted, the retry is refused, and the engine maps that refusal:
//! * a login code (SMS / TOTP with an IST): Stytch spent the IST on a session the engine never
//!   received, so the retry gets `intermediate_session_not_found` → `FlowExpired`: the member
//!   signs in again (a new magic link); the flow is left to expire, never completed twice;
//! * a magic-link token: `unable_to_auth_magic_link` → `LinkUnusable`: request a new link;
//! * an SMS send: the retry sends a fresh code (the newest code is the one that counts);
//! * sessions/authenticate: a read; the retry simply succeeds;
//! * a step-up code (SMS / TOTP with a live session, not a login): Stytch added the factor to
//!   the session the engine did not hear back about, and a retry with the same code is refused
//!   as a wrong code, which the flow counts as one failure. Not covered by the fault tests: the
//!   member sends a new code (or signs in again after too many failures).

use stytch_client::{ApiError, StytchError, Unanswered};

use crate::flow::{FlowId, StartError, TransitionError, UnexpectedState};
use crate::proof::ProofError;
use crate::store::StoreError;

use super::rejection::{Rejection, rejection};

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
    /// Stytch could not be reached, answered 5xx, or sent no (readable) answer; see
    /// [`ServiceError::kind`] for which.
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
    /// Stytch answered 429: too many requests. Nothing changed; retry after a while.
    RateLimited,
    /// Stytch did not act: it answered 5xx, or no connection could be made. Retry now.
    StytchUnavailable,
    /// The request went out but no usable answer came back (connection closed, timeout, an
    /// unreadable success answer): Stytch may have acted. Retrying is safe; see the module doc
    /// for what a refused retry means.
    NoAnswer,
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
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::StytchUnavailable => "stytch_unavailable",
            ErrorKind::NoAnswer => "no_answer",
            ErrorKind::Inconsistent => "inconsistent",
            ErrorKind::Store => "store_error",
        }
    }

    /// True for outcomes caused by the user or their input (4xx), false for system failures.
    pub fn is_client_error(self) -> bool {
        !matches!(
            self,
            ErrorKind::StytchUnavailable
                | ErrorKind::NoAnswer
                | ErrorKind::Inconsistent
                | ErrorKind::Store
        )
    }

    /// Whether repeating the *same* call (same flow, same code or token) is correct.
    pub fn retry(self) -> Retry {
        match self {
            ErrorKind::StytchUnavailable | ErrorKind::NoAnswer => Retry::Now,
            ErrorKind::RateLimited => Retry::Later,
            // A store failure may come after Stytch accepted a code: repeating the call would
            // spend it again. The flow is as last saved; the member resumes from there.
            ErrorKind::FlowNotFound
            | ErrorKind::FlowExpired
            | ErrorKind::FlowStale
            | ErrorKind::WrongState
            | ErrorKind::WrongCode
            | ErrorKind::TooManyAttempts
            | ErrorKind::Locked
            | ErrorKind::TransitionNotAllowed
            | ErrorKind::NothingToOffer
            | ErrorKind::PrimaryRequired
            | ErrorKind::NoAllowedMfaMethod
            | ErrorKind::BadCredentials
            | ErrorKind::BadPhoneNumber
            | ErrorKind::LinkUnusable
            | ErrorKind::Refused
            | ErrorKind::Inconsistent
            | ErrorKind::Store => Retry::No,
        }
    }
}

/// Whether the same call may be repeated ([`ErrorKind::retry`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Retry {
    /// At once: Stytch did nothing, or a repeat is how to learn what it did.
    Now,
    /// After a pause (Stytch rate-limited the call); nothing changed meanwhile.
    Later,
    /// Repeating cannot help: the user must do something else (the kind says what).
    No,
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
                Rejection::RateLimited => ErrorKind::RateLimited,
                // A 429 of a type not in the catalog is still a rate limit.
                Rejection::Other if api.status == 429 => ErrorKind::RateLimited,
                Rejection::Other => ErrorKind::Refused,
            },
            ServiceError::Stytch(e) => unavailable_kind(e),
            ServiceError::Inconsistent(_) => ErrorKind::Inconsistent,
            ServiceError::Store(_) => ErrorKind::Store,
        }
    }

    /// Whether repeating the same call is correct (by [`ServiceError::kind`]).
    pub fn retry(&self) -> Retry {
        self.kind().retry()
    }

    /// True when the same call may be repeated, now or later.
    pub fn is_retryable(&self) -> bool {
        self.retry() != Retry::No
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

/// The kind of a failure that is not a Stytch 4xx: did Stytch act, or may it have?
fn unavailable_kind(e: &StytchError) -> ErrorKind {
    match e {
        StytchError::Api(_) => ErrorKind::StytchUnavailable,
        StytchError::Transport(_) => match e.unanswered() {
            Some(Unanswered::NotSent) | None => ErrorKind::StytchUnavailable,
            Some(Unanswered::TimedOut | Unanswered::ConnectionLost) => ErrorKind::NoAnswer,
        },
        // An unreadable error page (a proxy's 502) is a failure Stytch did not act on; an
        // unreadable success answer means it acted and we cannot tell on what.
        StytchError::Decode { status, .. } if *status >= 400 => ErrorKind::StytchUnavailable,
        StytchError::Decode { .. } => ErrorKind::NoAnswer,
        StytchError::Config(_) => ErrorKind::Inconsistent,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::rejection::api;

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
    fn rate_limits_and_outages_are_typed_and_retryable() {
        let limited = ServiceError::from(api(429, "too_many_requests"));
        let down = ServiceError::from(api(500, "internal_server_error"));
        let unreadable_ok = ServiceError::from(StytchError::Decode {
            status: 200,
            source: serde_json::from_str::<u8>("x").unwrap_err(),
        });
        assert_eq!(
            (limited.kind(), limited.retry()),
            (ErrorKind::RateLimited, Retry::Later)
        );
        assert_eq!(
            (down.kind(), down.retry()),
            (ErrorKind::StytchUnavailable, Retry::Now)
        );
        assert_eq!(
            (unreadable_ok.kind(), unreadable_ok.retry()),
            (ErrorKind::NoAnswer, Retry::Now)
        );
        assert!(limited.is_client_error() && !down.is_client_error());
        // A lockout is also a 429, but it is a lockout.
        assert_eq!(
            ServiceError::from(api(429, "user_lock_limit_reached")).kind(),
            ErrorKind::Locked
        );
        assert_eq!(
            ServiceError::from(api(429, "some_new_limit")).kind(),
            ErrorKind::RateLimited
        );
        // A refusal is final for the same call.
        let used = ServiceError::from(api(401, "unable_to_auth_magic_link"));
        assert!(!used.is_retryable(), "{used:?}");
        assert!(!ServiceError::WrongCode { attempts_left: 2 }.is_retryable());
    }

    #[test]
    fn stytch_4xx_is_a_client_error_and_5xx_is_not() {
        assert!(ServiceError::from(api(400, "invalid_phone_number")).is_client_error());
        assert!(!ServiceError::from(api(503, "internal_server_error")).is_client_error());
        assert!(ServiceError::WrongCode { attempts_left: 1 }.is_client_error());
    }
}
