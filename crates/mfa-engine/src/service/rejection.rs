//! The one catalog of Stytch's `error_type`s this engine decides on, by what each means for a
//! flow ([`Rejection`]), and how a failed code-checking call affects the flow
//! ([`CodeFailure`]). Only 4xx answers are read here; a 5xx or a transport failure never
//! counts as a wrong code. Must never match on a message, only on `error_type`.

use stytch_client::StytchError;

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
    /// Stytch's rate limit (429): nothing was done.
    RateLimited,
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
        "too_many_requests" => Rejection::RateLimited,
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

/// A Stytch error answer with `status` and `error_type`, for the tests of this module and of
/// `error.rs`.
#[cfg(test)]
pub(crate) fn api(status: u16, error_type: &str) -> StytchError {
    StytchError::Api(stytch_client::ApiError {
        status,
        error_type: error_type.into(),
        error_message: String::new(),
        request_id: String::new(),
        error_url: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(classify(&api(429, "too_many_requests")), CodeFailure::Other);
    }
}
