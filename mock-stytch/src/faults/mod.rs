//! Fault injection: rules added through `POST /_mock/faults` ([`crate::routes::faults`]) that
//! make matching API requests fail the way a real network or a real Stytch can — a Stytch
//! error from the [catalog](crate::error::catalog), `429 too_many_requests`, a delay, a
//! connection closed without an answer, or the write committed and its answer lost.
//!
//! This file holds the rule's wire shape and its validation; [`store`] keeps the rules, matches
//! requests and draws `probability` from a per-rule ChaCha generator seeded from the instance
//! seed and the rule id (never the id generator, so faults do not change any id the mock hands
//! out); [`inject`] is the middleware that applies a hit. Rules live in memory only: a restart
//! and `POST /_mock/reset` clear them and restart the ids at `fault-1`. A fault must never
//! apply to `/_mock/*` and must never half-apply a write (see [`inject`]).

pub mod inject;
pub mod store;

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, catalog};

pub use store::Faults;

/// The longest `delay` a rule may ask for, in milliseconds.
pub const MAX_DELAY_MS: u64 = 60_000;

/// The body of `POST /_mock/faults`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    /// `GET`, `POST`, `PUT`, `DELETE` or `PATCH`; any method when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// The request path, exactly, or a pattern ([`PathPattern`]).
    pub path: String,
    /// Top-level JSON body fields that must equal these strings (all of them).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub body: BTreeMap<String, String>,
    pub action: FaultAction,
    /// Fire at most this many times (≥ 1); unlimited when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    /// Fire on each matching request with this chance (0..=1), drawn from the rule's seeded
    /// generator; always when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
}

/// What a hit does.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultAction {
    /// Answer with this catalog error instead of running the handler (nothing written).
    Error {
        error_type: String,
        /// Overrides the catalog's status (400..=599).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        /// Overrides the catalog's message.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_message: Option<String>,
    },
    /// `429 too_many_requests` instead of running the handler (nothing written).
    TooManyRequests,
    /// Wait `ms` milliseconds (real time), then handle the request normally.
    Delay { ms: u64 },
    /// Close the connection without an answer; the handler never runs (nothing written).
    Drop,
    /// Run the handler (its write is committed), then close the connection without an answer.
    LoseAnswer,
}

impl FaultAction {
    pub fn kind(&self) -> &'static str {
        match self {
            FaultAction::Error { .. } => "error",
            FaultAction::TooManyRequests => "too_many_requests",
            FaultAction::Delay { .. } => "delay",
            FaultAction::Drop => "drop",
            FaultAction::LoseAnswer => "lose_answer",
        }
    }
}

/// A path pattern: segments separated by `/`. A segment `*` matches exactly one segment (any
/// value); a last segment `**` matches any rest, including none. Any other segment, and a path
/// without `*`, matches exactly. `/v1/b2b/organizations/*/members/*` matches a member's URL;
/// `/v1/b2b/otps/**` every OTP route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathPattern {
    segments: Vec<Segment>,
    rest: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Exact(String),
    Any,
}

impl PathPattern {
    pub fn parse(pattern: &str) -> Result<PathPattern, ApiError> {
        let Some(tail) = pattern.strip_prefix('/') else {
            return Err(ApiError::invalid_argument(
                "path must start with '/', e.g. /v1/b2b/otps/sms/send.",
            ));
        };
        if pattern == "/_mock" || pattern.starts_with("/_mock/") {
            return Err(ApiError::invalid_argument(
                "path may not name the control API (/_mock/...): faults apply to API routes only.",
            ));
        }
        let parts: Vec<&str> = tail.split('/').collect();
        let mut segments = Vec::with_capacity(parts.len());
        let mut rest = false;
        for (i, part) in parts.iter().enumerate() {
            match *part {
                "**" if i + 1 == parts.len() => rest = true,
                "*" => segments.push(Segment::Any),
                p if p.contains('*') => {
                    return Err(ApiError::invalid_argument(
                        "path: '*' must be a whole segment, and '**' only the last one.",
                    ));
                }
                p => segments.push(Segment::Exact(p.to_owned())),
            }
        }
        Ok(PathPattern { segments, rest })
    }

    pub fn matches(&self, path: &str) -> bool {
        let Some(tail) = path.strip_prefix('/') else {
            return false;
        };
        let mut parts = tail.split('/');
        for seg in &self.segments {
            match (seg, parts.next()) {
                (Segment::Exact(want), Some(got)) if want == got => {}
                (Segment::Any, Some(got)) if !got.is_empty() => {}
                _ => return false,
            }
        }
        self.rest || parts.next().is_none()
    }
}

/// A rule checked and ready to match: what [`store::Faults::add`] keeps.
#[derive(Debug, Clone)]
pub struct Checked {
    pub spec: NewRule,
    pub method: Option<Method>,
    pub pattern: PathPattern,
    /// For an `error` action: the error answered.
    pub error: Option<ApiError>,
}

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];

impl NewRule {
    /// Every check a rule must pass; each failure is a 400 `invalid_argument` that says why.
    pub fn check(mut self) -> Result<Checked, ApiError> {
        let method = match self.method.take() {
            None => None,
            Some(m) => {
                let upper = m.to_ascii_uppercase();
                if !METHODS.contains(&upper.as_str()) {
                    return Err(ApiError::invalid_argument(format!(
                        "method must be one of {}.",
                        METHODS.join(", ")
                    )));
                }
                self.method = Some(upper.clone());
                Some(Method::from_bytes(upper.as_bytes()).map_err(|_| {
                    ApiError::invalid_argument("method is not a valid HTTP method.")
                })?)
            }
        };
        let pattern = PathPattern::parse(&self.path)?;
        if self.times == Some(0) {
            return Err(ApiError::invalid_argument(
                "times must be at least 1 (omit it for no limit).",
            ));
        }
        if let Some(p) = self.probability
            && !(0.0..=1.0).contains(&p)
        {
            return Err(ApiError::invalid_argument(
                "probability must be between 0 and 1.",
            ));
        }
        let error = match &self.action {
            FaultAction::Error {
                error_type,
                status,
                error_message,
            } => Some(catalog_error(
                error_type,
                *status,
                error_message.as_deref(),
            )?),
            FaultAction::Delay { ms } if *ms > MAX_DELAY_MS => {
                return Err(ApiError::invalid_argument(format!(
                    "delay ms must be at most {MAX_DELAY_MS}."
                )));
            }
            _ => None,
        };
        Ok(Checked {
            spec: self,
            method,
            pattern,
            error,
        })
    }
}

/// The error an `error` action answers with: the catalog entry, with the overrides.
fn catalog_error(
    error_type: &str,
    status: Option<u16>,
    message: Option<&str>,
) -> Result<ApiError, ApiError> {
    let Some(entry) = catalog::lookup(error_type) else {
        let some: Vec<&str> = [
            "member_not_found",
            "organization_not_found",
            "unauthorized_credentials",
            "otp_code_not_found",
            "internal_server_error",
        ]
        .to_vec();
        return Err(ApiError::invalid_argument(format!(
            "error_type {error_type:?} is not one the mock emits; valid ones include {} \
             ({} in all, see the mock's error catalog).",
            some.join(", "),
            catalog::CATALOG.len()
        )));
    };
    let status = match status {
        None => entry.status,
        Some(s) => StatusCode::from_u16(s)
            .ok()
            .filter(|s| s.is_client_error() || s.is_server_error())
            .ok_or_else(|| {
                ApiError::invalid_argument("status must be an error status (400..=599).")
            })?,
    };
    let message = message.map_or_else(|| entry.message.to_owned(), str::to_owned);
    Ok(ApiError::worded(*entry, message).with_status(status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_one_segment_or_a_rest() {
        let p = |s: &str| PathPattern::parse(s).unwrap();
        assert!(p("/v1/b2b/otps/sms/send").matches("/v1/b2b/otps/sms/send"));
        assert!(!p("/v1/b2b/otps/sms/send").matches("/v1/b2b/otps/sms/send/x"));
        assert!(!p("/v1/b2b/otps/sms/send").matches("/v1/b2b/otps/sms"));
        let member = p("/v1/b2b/organizations/*/members/*");
        assert!(member.matches("/v1/b2b/organizations/o-1/members/m-1"));
        assert!(!member.matches("/v1/b2b/organizations/o-1/members"));
        assert!(!member.matches("/v1/b2b/organizations/o-1/members/m-1/x"));
        assert!(!member.matches("/v1/b2b/organizations//members/m-1"));
        let otps = p("/v1/b2b/otps/**");
        assert!(otps.matches("/v1/b2b/otps/sms/send"));
        assert!(otps.matches("/v1/b2b/otps"));
        assert!(!otps.matches("/v1/b2b/totp"));
    }

    #[test]
    fn bad_patterns_and_control_paths_are_refused() {
        for bad in ["v1/x", "/v1/mem*", "/**/x", "/_mock/outbox", "/_mock"] {
            assert!(PathPattern::parse(bad).is_err(), "{bad}");
        }
    }
}
