//! The HTTP edge shared by every route: Basic auth, the Stytch success/error envelope, the
//! request log, and extractors that report bad input in Stytch's error shape.
//!
//! Handlers return `ApiResult<Reply>`; neither carries a `request_id`. The [`envelope`]
//! middleware assigns one per request, adds `status_code`/`request_id` to the body, and logs the
//! request. Any response that reaches it without a body of ours (axum's own 404/405/413) is
//! rewritten into the error shape, so a client never sees a non-Stytch body. This module must
//! never log a request body: bodies carry tokens, codes and passwords. The request log keeps
//! only the redacted view [`crate::redact::body_for_log`] makes.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::body::{Body as AxumBody, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq;

use crate::error::ApiError;
use crate::error::catalog;
use crate::faults::inject::FaultMark;
use crate::redact;
use crate::state::{AppState, LogEntry};

/// Largest request body accepted; larger ones get 413 `request_too_large`.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// A route that takes a larger body: a snapshot's raw SQLite bytes ([`crate::snapshot`]).
pub const RESTORE_PATH: &str = "/_mock/restore";
/// The dashboard's restore upload ([`crate::routes::ui`]): the same file, the same limit.
pub const UI_RESTORE_PATH: &str = "/_mock/ui/restore";
/// Largest body [`RESTORE_PATH`] accepts (a snapshot file; a larger one can be given by path).
pub const MAX_SNAPSHOT_BYTES: usize = 256 << 20;
/// The other one: a fixture document ([`crate::fixtures`]; 10,000 members are about 1.6 MiB).
pub const FIXTURES_PATH: &str = "/_mock/fixtures";
/// Largest body [`FIXTURES_PATH`] accepts.
pub const MAX_FIXTURE_BYTES: usize = 64 << 20;

/// How large a body `path` accepts.
fn body_limit(path: &str) -> usize {
    match path {
        RESTORE_PATH | UI_RESTORE_PATH => MAX_SNAPSHOT_BYTES,
        FIXTURES_PATH => MAX_FIXTURE_BYTES,
        _ => MAX_BODY_BYTES,
    }
}

/// A successful API answer; the envelope adds `status_code` and `request_id`.
#[derive(Debug, Clone)]
pub struct Reply(pub Map<String, Value>);

impl Reply {
    /// From any serialisable struct with named fields.
    pub fn of<T: Serialize>(value: &T) -> Reply {
        match serde_json::to_value(value) {
            Ok(Value::Object(map)) => Reply(map),
            other => {
                // Never the value itself: a reply carries tokens.
                let kind = if other.is_ok() {
                    "a non-object JSON value"
                } else {
                    "not serialisable"
                };
                tracing::error!(kind, "reply is not a JSON object");
                Reply(Map::new())
            }
        }
    }

    /// The bare envelope (`{status_code, request_id}`).
    pub fn empty() -> Reply {
        Reply(Map::new())
    }

    pub fn with(mut self, key: &str, value: impl Serialize) -> Reply {
        self.0.insert(
            key.to_owned(),
            serde_json::to_value(value).unwrap_or(Value::Null),
        );
        self
    }
}

/// Marker placed in response extensions; the envelope renders it.
#[derive(Clone)]
struct Pending(Map<String, Value>);

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let mut resp = StatusCode::OK.into_response();
        resp.extensions_mut().insert(Pending(self.0));
        resp
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = self.status.into_response();
        resp.extensions_mut().insert(self);
        resp
    }
}

/// The request id of the current request (set by [`envelope`]); handlers rarely need it.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Where [`buffer_body`] leaves the redacted body for [`envelope`]'s request log entry.
#[derive(Clone, Default)]
struct LoggedBody(Arc<OnceLock<Value>>);

/// Outermost layer: request id, envelope, error shape for foreign responses, request log.
pub async fn envelope(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let started = Instant::now();
    let received_at = state.clock.now_ts();
    let request_id = state.ids.request_id();
    let method = req.method().to_string();
    let path = req.uri().path().to_owned();
    let logged_body = LoggedBody::default();
    req.extensions_mut().insert(RequestId(request_id.clone()));
    req.extensions_mut().insert(logged_body.clone());

    let mut resp = next.run(req).await;
    let fault = resp.extensions_mut().remove::<FaultMark>();
    if let Some(mark) = fault.as_ref().filter(|m| m.unanswered) {
        // Nothing reaches the client (see `crate::faults::inject`): no envelope, no answer.
        let status = mark.handled_status.unwrap_or(0);
        let duration_us = started.elapsed().as_micros() as u64;
        tracing::info!(%method, %path, status, %request_id, duration_us, fault = %mark.rule, "request unanswered");
        state.log_request(LogEntry {
            method,
            path,
            status,
            request_id,
            received_at: crate::clock::rfc3339(received_at),
            duration_us,
            body: logged_body.0.get().cloned(),
            answer: None,
            fault: Some(mark.clone()),
        });
        return resp;
    }
    let status = resp.status();
    let body = if let Some(Pending(map)) = resp.extensions_mut().remove::<Pending>() {
        Some(map)
    } else if let Some(err) = resp.extensions_mut().remove::<ApiError>() {
        Some(error_body(&err))
    } else if status.is_client_error() || status.is_server_error() {
        Some(error_body(&foreign_error(status)))
    } else {
        None
    };
    let mut answer = None;
    if let Some(mut map) = body {
        map.insert("status_code".into(), Value::from(status.as_u16()));
        map.insert("request_id".into(), Value::from(request_id.clone()));
        let bytes = Bytes::from(serde_json::to_vec(&Value::Object(map)).unwrap_or_default());
        answer = Some(bytes.clone());
        let (mut parts, _) = resp.into_parts();
        parts.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        parts.headers.remove(header::CONTENT_LENGTH);
        resp = Response::from_parts(parts, AxumBody::from(bytes));
    }
    let duration_us = started.elapsed().as_micros() as u64;
    // Path only: a query string or a body may carry a secret, so neither is ever logged.
    tracing::info!(%method, %path, status = status.as_u16(), %request_id, duration_us, "request");
    state.log_request(LogEntry {
        method,
        path,
        status: status.as_u16(),
        request_id,
        received_at: crate::clock::rfc3339(received_at),
        duration_us,
        body: logged_body.0.get().cloned(),
        answer,
        fault,
    });
    resp
}

fn error_body(err: &ApiError) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("error_type".into(), Value::from(err.error_type.as_ref()));
    map.insert("error_message".into(), Value::from(err.message.as_ref()));
    map.insert("error_url".into(), Value::from(err.url()));
    map
}

/// A response axum produced itself (no route, wrong method, body too large), in Stytch's words.
fn foreign_error(status: StatusCode) -> ApiError {
    match status {
        StatusCode::NOT_FOUND => ApiError::of(catalog::ROUTE_NOT_FOUND),
        StatusCode::METHOD_NOT_ALLOWED => ApiError::of(catalog::METHOD_NOT_ALLOWED),
        StatusCode::PAYLOAD_TOO_LARGE => request_too_large(MAX_BODY_BYTES),
        s if s.is_server_error() => ApiError::internal(),
        s => ApiError::of(catalog::BAD_REQUEST).with_status(s),
    }
}

fn request_too_large(limit: usize) -> ApiError {
    ApiError::worded(
        catalog::REQUEST_TOO_LARGE,
        format!(
            "The request body is larger than the {} MiB the mock accepts.",
            limit >> 20
        ),
    )
}

/// How much of an oversized body is read (and discarded) before answering 413, so the client
/// sees the answer instead of a reset connection. Past this the connection is simply closed.
const DRAIN_BYTES: usize = 16 << 20;

/// Read every request body up front (at most [`MAX_BODY_BYTES`]; [`MAX_SNAPSHOT_BYTES`] for
/// [`RESTORE_PATH`]), so a route that ignores its body still leaves the connection clean, and an
/// oversized body gets a 413 in our shape.
pub async fn buffer_body(req: Request, next: Next) -> Response {
    use http_body_util::BodyExt;
    let (parts, mut body) = req.into_parts();
    let limit = body_limit(parts.uri.path());
    let mut buf: Vec<u8> = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(frame) = frame else {
            return ApiError::worded(catalog::BAD_REQUEST, "The request body could not be read.")
                .into_response();
        };
        if let Ok(data) = frame.into_data() {
            seen += data.len();
            if seen <= limit {
                buf.extend_from_slice(&data);
            } else if seen > DRAIN_BYTES.max(limit) {
                break;
            }
        }
    }
    let logged = if seen > limit {
        Some(Value::from(redact::TOO_LARGE))
    } else {
        redact::body_for_log(&buf)
    };
    if let (Some(slot), Some(v)) = (parts.extensions.get::<LoggedBody>(), logged) {
        let _ = slot.0.set(v);
    }
    if seen > limit {
        return request_too_large(limit).into_response();
    }
    next.run(Request::from_parts(parts, AxumBody::from(buf)))
        .await
}

/// Basic auth on every guarded route: `project_id:secret`, compared in constant time. The
/// dashboard's paths (`/_mock/ui…`) also get a `WWW-Authenticate` challenge, so a browser asks
/// for the credentials; the body stays Stytch's error.
pub async fn require_basic_auth(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if authorized(&state, req.headers()) {
        return next.run(req).await;
    }
    let browser = req.uri().path() == "/_mock/ui" || req.uri().path().starts_with("/_mock/ui/");
    let mut resp = ApiError::worded(
        catalog::UNAUTHORIZED_CREDENTIALS,
        "Unauthorized credentials. Use HTTP Basic auth with your project_id and secret.",
    )
    .into_response();
    if browser {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(BASIC_CHALLENGE),
        );
    }
    resp
}

/// The challenge the dashboard answers with when credentials are missing or wrong.
pub const BASIC_CHALLENGE: &str = "Basic realm=\"mock-stytch\"";

pub fn authorized(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(got) = headers.get(header::AUTHORIZATION) else {
        return false;
    };
    bool::from(
        got.as_bytes()
            .ct_eq(state.expected_authorization.as_bytes()),
    )
}

/// A JSON body, decoded into `T`; every failure is a Stytch-shaped 4xx. An empty body counts as
/// `{}` (Python's SDK sends none on DELETE). Unknown keys are ignored (§1.3).
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, ApiError> {
        if let Some(ct) = req.headers().get(header::CONTENT_TYPE) {
            let ct = ct.to_str().unwrap_or("");
            if !ct.is_empty() && !ct.starts_with("application/json") {
                return Err(ApiError::of(catalog::INVALID_CONTENT_TYPE));
            }
        }
        let bytes: Bytes = axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| request_too_large(MAX_BODY_BYTES))?;
        decode_json(&bytes).map(Body)
    }
}

/// Decode a request body; public so tests and other extractors share the error wording.
pub fn decode_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let bytes = if bytes.iter().all(u8::is_ascii_whitespace) {
        b"{}".as_slice()
    } else {
        bytes
    };
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::worded(
            catalog::BAD_REQUEST,
            format!("Request body is not valid JSON: {e}"),
        )
    })?;
    if !value.is_object() {
        return Err(ApiError::worded(
            catalog::BAD_REQUEST,
            "Request body must be a JSON object.",
        ));
    }
    serde_json::from_value(value).map_err(|e| ApiError::invalid_argument(describe_field_error(&e)))
}

/// serde says "missing field `x`" or "invalid type: …, expected …"; Stytch-style wording keeps the field.
fn describe_field_error(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    match msg.strip_prefix("missing field ") {
        Some(field) => format!("{} is a required field.", field.trim_matches('`')),
        None => format!("A field has the wrong type or value: {msg}"),
    }
}

/// Query-string parameters decoded into `T`; unknown keys (Python repeats path params) ignored.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        serde_urlencoded_like(query).map(Params)
    }
}

fn serde_urlencoded_like<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    axum::extract::Query::<T>::try_from_uri(
        &format!("/?{query}")
            .parse()
            .map_err(|_| ApiError::invalid_argument("The query string is not valid."))?,
    )
    .map(|q| q.0)
    .map_err(|e| ApiError::invalid_argument(format!("Invalid query parameter: {}", e.body_text())))
}
