//! Stytch-shaped errors. Every failure a client can see is an [`ApiError`], rendered by
//! [`crate::http`] as `{status_code, request_id, error_type, error_message, error_url}`.
//!
//! Every error is built from an entry of the [`catalog`] ([`ApiError::of`] / [`ApiError::worded`]):
//! there is no constructor taking a free-standing status and `error_type`, and a private field
//! stops a struct literal elsewhere, so the catalog lists every error a client can see.
//! Unexpected failures (database, internal) become a 500 `internal_server_error` whose detail is
//! logged, never sent. Nothing here may put a secret into a message.

pub mod catalog;

use std::borrow::Cow;

use axum::http::StatusCode;

use catalog::Entry;

#[derive(Debug, Clone, thiserror::Error)]
#[error("{status} {error_type}: {message}")]
#[expect(
    clippy::manual_non_exhaustive,
    reason = "#[non_exhaustive] would only stop other crates; this stops other modules"
)]
pub struct ApiError {
    pub status: StatusCode,
    pub error_type: Cow<'static, str>,
    pub message: Cow<'static, str>,
    /// Private, so an error can only be built here, from a [`catalog::Entry`].
    _from_catalog: (),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// The catalog entry as it stands: its status, `error_type` and default message.
    pub fn of(entry: Entry) -> ApiError {
        ApiError::worded(entry, entry.message)
    }

    /// The catalog entry with a message worded for this request (naming a field, a limit, ...).
    pub fn worded(entry: Entry, message: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError {
            status: entry.status,
            error_type: Cow::Borrowed(entry.error_type),
            message: message.into(),
            _from_catalog: (),
        }
    }

    /// The same error answered with another status (a fault rule's override, or a status axum
    /// chose itself); the `error_type` stays the catalog's.
    pub fn with_status(mut self, status: StatusCode) -> ApiError {
        self.status = status;
        self
    }

    pub fn internal() -> ApiError {
        ApiError::of(catalog::INTERNAL_SERVER_ERROR)
    }

    pub fn invalid_argument(message: impl Into<Cow<'static, str>>) -> ApiError {
        ApiError::worded(catalog::INVALID_ARGUMENT, message)
    }

    pub fn organization_not_found() -> ApiError {
        ApiError::of(catalog::ORGANIZATION_NOT_FOUND)
    }

    pub fn member_not_found() -> ApiError {
        ApiError::of(catalog::MEMBER_NOT_FOUND)
    }

    /// `https://stytch.com/docs/api/errors/<status>`, the form in Stytch's API examples.
    pub fn url(&self) -> String {
        format!(
            "https://stytch.com/docs/api/errors/{}",
            self.status.as_u16()
        )
    }
}

impl From<crate::db::Error> for ApiError {
    fn from(e: crate::db::Error) -> ApiError {
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
pub fn is_unique_violation(e: &crate::db::Error) -> bool {
    crate::db::sql::is_unique_violation(e)
}
