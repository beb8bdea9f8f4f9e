//! The app's two cookies, read and written by hand (two names do not justify a cookie crate):
//! `mfa_flow` holds the engine's flow id, `mfa_csrf` the random value CSRF tokens are bound to.
//!
//! Both are `HttpOnly; SameSite=Lax; Path=/`: scripts cannot read them and cross-site POSTs do
//! not carry them. Must never put anything but those opaque random values in a cookie.

use axum::http::{HeaderMap, HeaderValue, header};
use mfa_engine::FlowId;

pub const FLOW_COOKIE: &str = "mfa_flow";
pub const CSRF_COOKIE: &str = "mfa_csrf";

/// The value of cookie `name` in the request, if any.
pub fn get<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The flow id in the `mfa_flow` cookie. A malformed value is treated as no cookie.
pub fn flow_id(headers: &HeaderMap) -> Option<FlowId> {
    get(headers, FLOW_COOKIE).and_then(FlowId::parse)
}

/// `Set-Cookie` for a session cookie (no expiry: gone when the browser closes).
pub fn set(name: &str, value: &str) -> HeaderValue {
    HeaderValue::from_str(&format!("{name}={value}; HttpOnly; SameSite=Lax; Path=/"))
        .expect("cookie names and values are ASCII tokens")
}

/// `Set-Cookie` that deletes the cookie.
pub fn clear(name: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{name}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0"
    ))
    .expect("cookie names are ASCII tokens")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_cookie_among_several_headers_and_pairs() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; mfa_csrf=xyz"),
        );
        h.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(get(&h, CSRF_COOKIE), Some("xyz"));
        assert_eq!(get(&h, "b"), Some("2"));
        assert_eq!(get(&h, FLOW_COOKIE), None);
    }

    #[test]
    fn a_malformed_flow_cookie_is_no_flow() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("mfa_flow=not-a-uuid"),
        );
        assert_eq!(flow_id(&h), None);
    }
}
