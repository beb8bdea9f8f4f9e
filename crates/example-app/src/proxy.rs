//! `/_mock/ui` on the app's own origin: forwards GET and form POST requests to the embedded
//! mock's dashboard with the mock's Basic credentials, so "check your email" can link to it
//! and the dashboard's absolute `/_mock/ui/...` links keep working.
//!
//! Demo mode only (404 otherwise), and only the `/_mock/ui` prefix — never the rest of the
//! control API. Its POST forms cannot carry our CSRF token, so a POST is refused unless the
//! browser says it came from this origin (`Sec-Fetch-Site` / `Origin`).

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::state::AppState;

/// Headers passed back from the mock; everything else (its cookies, if any) stays behind.
const PASSED_BACK: &[header::HeaderName] = &[
    header::CONTENT_TYPE,
    header::LOCATION,
    header::CACHE_CONTROL,
];

pub async fn dashboard(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let demo = state.demo.as_ref().ok_or(AppError::NotFound)?;
    if method != Method::GET && method != Method::POST {
        return Ok(StatusCode::METHOD_NOT_ALLOWED.into_response());
    }
    if method == Method::POST && !same_origin(&headers) {
        return Err(AppError::Csrf);
    }
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
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    out.body(Body::from(bytes))
        .map_err(|e| AppError::Internal(e.into()))
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
