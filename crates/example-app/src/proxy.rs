//! `/_mock/ui` on the app's own origin: forwards GET and form POST requests to the embedded
//! mock's dashboard with the mock's Basic credentials, so "check your email" can link to it
//! and the dashboard's absolute `/_mock/ui/...` links keep working.
//!
//! Demo mode only (404 otherwise), and only the `/_mock/ui` prefix — never the rest of the
//! control API. Its POST forms cannot carry our CSRF token, so a POST is refused unless the
//! browser says it came from this origin (`Sec-Fetch-Site` / `Origin`).
//!
//! Answers are streamed, not buffered: the dashboard's live view is a server-sent event stream
//! (`/_mock/ui/events`) that never ends on its own, and each event must reach the browser when
//! the mock sends it. Request bodies are read whole, up to the mock's own limit for the path
//! (a snapshot upload to `/_mock/ui/restore` may be large; a form is small).

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use mock_stytch::http::{MAX_BODY_BYTES, MAX_SNAPSHOT_BYTES, UI_RESTORE_PATH};

use crate::error::AppError;
use crate::state::AppState;

/// Headers passed back from the mock; everything else (its cookies, if any) stays behind.
const PASSED_BACK: &[header::HeaderName] = &[
    header::CONTENT_TYPE,
    header::LOCATION,
    header::CACHE_CONTROL,
    header::CONTENT_DISPOSITION,
];

pub async fn dashboard(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, AppError> {
    let demo = state.demo.as_ref().ok_or(AppError::NotFound)?;
    if method != Method::GET && method != Method::POST {
        return Ok(StatusCode::METHOD_NOT_ALLOWED.into_response());
    }
    if method == Method::POST && !same_origin(&headers) {
        return Err(AppError::Csrf);
    }
    let limit = if uri.path() == UI_RESTORE_PATH {
        MAX_SNAPSHOT_BYTES
    } else {
        MAX_BODY_BYTES
    };
    let Ok(body) = axum::body::to_bytes(body, limit).await else {
        return Ok((
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request body is too large.",
        )
            .into_response());
    };
    let path = uri.path_and_query().map_or("/_mock/ui", |p| p.as_str());
    let mut req = demo.control.request(method, path);
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        req = req.header(header::CONTENT_TYPE, ct);
    }
    let resp = req
        .body(body)
        .send()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let mut out = Response::builder().status(resp.status());
    for name in PASSED_BACK {
        if let Some(v) = resp.headers().get(name) {
            out = out.header(name, v);
        }
    }
    out.body(Body::from_stream(chunks(resp)))
        .map_err(|e| AppError::Internal(e.into()))
}

/// The mock's answer as it arrives, chunk by chunk; ends after the last chunk or an error.
fn chunks(
    resp: reqwest::Response,
) -> impl futures_util::Stream<Item = Result<axum::body::Bytes, reqwest::Error>> {
    futures_util::stream::unfold(Some(resp), |resp| async move {
        let mut resp = resp?;
        match resp.chunk().await {
            Ok(Some(chunk)) => Some((Ok(chunk), Some(resp))),
            Ok(None) => None,
            Err(e) => Some((Err(e), None)),
        }
    })
}

/// A browser POST from one of our own pages. Requests without either header are not from a
/// browser (which always sends `Origin` on a POST), so they cannot be cross-site forgeries.
fn same_origin(headers: &HeaderMap) -> bool {
    let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = get("sec-fetch-site")
        && site != "same-origin"
    {
        return false;
    }
    match (get("origin"), get("host")) {
        (Some(origin), Some(host)) => origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest.trim_end_matches('/') == host),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn only_same_origin_posts_pass() {
        assert!(same_origin(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://evil.example")
        ])));
        assert!(!same_origin(&headers(&[
            ("host", "127.0.0.1:3000"),
            ("sec-fetch-site", "cross-site")
        ])));
        assert!(same_origin(&headers(&[("host", "127.0.0.1:3000")])));
    }
}
