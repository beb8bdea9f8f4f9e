//! Stytch-shaped errors. Every failure a client can see is an [`ApiError`], rendered by
//! [`crate::http`] as `{status_code, request_id, error_type, error_message, error_url}`.
//!
//! Expected failures (4xx) are built with the constructors below and carry an `error_type` from
//! CONTRACT.md §1.10; unexpected ones (database, internal) become a 500 `internal_server_error`
//! whose detail is logged, never sent. Nothing here may put a secret into a message.

pub mod catalog;

use std::borrow::Cow;

use axum::http::StatusCode;

#[derive(Debug, Clone, thiserror::Error)]
#[error("{status} {error_type}: {message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub error_type: Cow<'static, str>,
    pub message: Cow<'static, str>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(
        status: StatusCode,
        error_type: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> ApiError {
        ApiError {
            status,
            error_type: error_type.into(),
            message: message.into(),
        }
    }

    pub fn bad_request(
        error_type: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, error_type, message)
    }

    pub fn unauthorized(
        error_type: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, error_type, message)
    }

    pub fn forbidden(
        error_type: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, error_type, message)
    }

    pub fn not_found(
        error_type: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, error_type, message)
    }

    pub fn internal() -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_server_error",
            "Oops, something seems to have gone wrong. The mock logged the cause.",
        )
    }

    pub fn invalid_argument(message: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError::bad_request("invalid_argument", message)
    }

    pub fn organization_not_found() -> ApiError {
        ApiError::not_found("organization_not_found", "Organization could not be found.")
    }

    pub fn member_not_found() -> ApiError {
        ApiError::not_found("member_not_found", "Member could not be found.")
    }

    /// `https://stytch.com/docs/api/errors/<status>`, the form in Stytch's API examples.
    pub fn url(&self) -> String {
        format!(
            "https://stytch.com/docs/api/errors/{}",
            self.status.as_u16()
        )
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> ApiError {
        tracing::error!(error = %e, "database error");
        ApiError::internal()
    }
}

impl From<serde_json::Error> for ApiError {
    fn from(e: serde_json::Error) -> ApiError {
        tracing::error!(error = %e, "stored JSON does not decode");
        ApiError::internal()
    }
}

/// Is this a UNIQUE constraint failure (for mapping to a Stytch duplicate error)?
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}
