//! `GET /_mock/requests.har`: the request log (what `GET /_mock/requests` serves) as a HAR 1.2
//! file, for Chrome's network panel, Playwright's `routeFromHAR` and `stytch-mfa record --har`.
//!
//! A HAR can only hold what the log keeps, and the log keeps no secret: the request body and the
//! JSON answer are the log's already-redacted copies ([`crate::redact`], one allow-list; nothing
//! re-read), and the log never records headers, query strings or cookies — so those are empty
//! lists. An answer that is not the mock's JSON (the dashboard's HTML) has no `text`. Unknown
//! sizes are `-1` as HAR allows; `bodySize` of a request and `content.size` are those of the
//! redacted text served. The URL is the origin this file was fetched from (its `Host`, plain
//! `http`: the log does not know whether `--tls` served it) plus the logged path. Times are the
//! virtual clock's (whole seconds); `time` is the measured handling time. Entries are oldest
//! first, as HAR orders them. A faulted request carries `_fault` (HAR's custom-field form).
//! Must never add a value the request log does not hold.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::http::Params;
use crate::state::{AppState, LogEntry, REQUEST_LOG_CAPACITY};

#[derive(Serialize)]
pub struct Har {
    pub log: Log,
}

#[derive(Serialize)]
pub struct Log {
    pub version: &'static str,
    pub creator: Creator,
    pub entries: Vec<Entry>,
}

#[derive(Serialize)]
pub struct Creator {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub started_date_time: String,
    /// Milliseconds.
    pub time: f64,
    pub request: Request,
    pub response: ResponseRecord,
    pub cache: Cache,
    pub timings: Timings,
    /// The fault rule that hit the request (`{rule, kind}`), a HAR custom field; with a
    /// `drop` the response status is `0`, as browsers record a request that got no answer.
    #[serde(rename = "_fault", skip_serializing_if = "Option::is_none")]
    pub fault: Option<crate::faults::inject::FaultMark>,
}

/// A header, query parameter or cookie; the log keeps none, so only the type is used.
#[derive(Serialize)]
pub struct NameValue {
    pub name: String,
    pub value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub method: String,
    pub url: String,
    pub http_version: &'static str,
    pub headers: Vec<NameValue>,
    pub query_string: Vec<NameValue>,
    pub cookies: Vec<NameValue>,
    pub headers_size: i64,
    pub body_size: i64,
    /// Only for a request that had a body (HAR: optional).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_data: Option<PostData>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PostData {
    pub mime_type: &'static str,
    /// The redacted body as JSON (see the module doc).
    pub text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseRecord {
    pub status: u16,
    pub status_text: &'static str,
    pub http_version: &'static str,
    pub headers: Vec<NameValue>,
    pub cookies: Vec<NameValue>,
    pub content: Content,
    #[serde(rename = "redirectURL")]
    pub redirect_url: String,
    pub headers_size: i64,
    pub body_size: i64,
}

/// The redacted JSON answer, when the log kept one.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    pub size: i64,
    pub mime_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// Nothing is cached between the mock and its client.
#[derive(Serialize)]
pub struct Cache {}

/// Milliseconds; the whole handling time counts as `wait` (the log does not split it).
#[derive(Serialize)]
pub struct Timings {
    pub send: f64,
    pub wait: f64,
    pub receive: f64,
}

const HTTP_VERSION: &str = "HTTP/1.1";
const UNKNOWN_SIZE: i64 = -1;

impl Har {
    /// `entries` oldest first; `origin` like `http://127.0.0.1:9010`.
    pub fn from_log<'a>(entries: impl IntoIterator<Item = &'a LogEntry>, origin: &str) -> Har {
        Har {
            log: Log {
                version: "1.2",
                creator: Creator {
                    name: "mock-stytch",
                    version: env!("CARGO_PKG_VERSION"),
                },
                entries: entries.into_iter().map(|e| entry(e, origin)).collect(),
            },
        }
    }
}

fn entry(e: &LogEntry, origin: &str) -> Entry {
    let time = e.duration_us as f64 / 1000.0;
    // Redacted here, when a HAR is asked for, not on every request.
    let answer = e
        .answer
        .as_ref()
        .and_then(|bytes| {
            serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(bytes).ok()
        })
        .map(|map| crate::redact::answer_for_log(&map).to_string());
    let post_data = e.body.as_ref().map(|body| PostData {
        mime_type: "application/json",
        text: body.to_string(),
    });
    Entry {
        started_date_time: e.received_at.clone(),
        time,
        request: Request {
            method: e.method.clone(),
            url: format!("{origin}{}", e.path),
            http_version: HTTP_VERSION,
            headers: Vec::new(),
            query_string: Vec::new(),
            cookies: Vec::new(),
            headers_size: UNKNOWN_SIZE,
            body_size: post_data.as_ref().map_or(0, |p| len(&p.text)),
            post_data,
        },
        response: ResponseRecord {
            status: e.status,
            status_text: StatusCode::from_u16(e.status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or(""),
            http_version: HTTP_VERSION,
            headers: Vec::new(),
            cookies: Vec::new(),
            content: Content {
                size: answer.as_deref().map_or(UNKNOWN_SIZE, len),
                mime_type: if answer.is_some() {
                    "application/json"
                } else {
                    ""
                },
                text: answer,
            },
            redirect_url: String::new(),
            headers_size: UNKNOWN_SIZE,
            body_size: UNKNOWN_SIZE,
        },
        cache: Cache {},
        timings: Timings {
            send: 0.0,
            wait: time,
            receive: 0.0,
        },
        fault: e.fault.clone(),
    }
}

fn len(text: &str) -> i64 {
    text.len().try_into().unwrap_or(i64::MAX)
}

#[derive(Deserialize)]
pub struct HarParams {
    limit: Option<usize>,
}

/// The newest `limit` (default: all kept) logged requests as HAR 1.2, as a download.
pub async fn requests_har(
    State(state): State<AppState>,
    headers: HeaderMap,
    Params(q): Params<HarParams>,
) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or(crate::config::DEFAULT_LISTEN);
    let origin = format!("http://{host}");
    let har = {
        let log = state.request_log.lock().unwrap_or_else(|p| p.into_inner());
        let limit = q.limit.unwrap_or(REQUEST_LOG_CAPACITY);
        let skip = log.len().saturating_sub(limit);
        Har::from_log(log.iter().skip(skip), &origin)
    };
    let mut resp = axum::Json(har).into_response();
    resp.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"mock-stytch.har\""),
    );
    resp
}
