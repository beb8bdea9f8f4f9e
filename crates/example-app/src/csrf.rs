//! CSRF protection for every POST form: a signed double-submit token.
//!
//! Each browser gets a random `mfa_csrf` cookie (set by [`ensure_cookie`] on its first
//! request); forms carry `csrf = HMAC-SHA256(key, cookie)`. A POST is accepted only when its
//! field matches the HMAC of the cookie *the browser sent* — another site can neither read the
//! cookie nor compute the HMAC without the key, and cannot plant a working pair. The key lives
//! in `csrf.key` in the data directory, so forms rendered before a restart still submit.
//!
//! [`CsrfForm`] is the only way a handler reads a POST body. Must never accept a form whose
//! token is missing, and never compare tokens with `==` (constant time via `hmac`).

use std::path::Path;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use hmac::{Hmac, Mac};
use serde::de::DeserializeOwned;
use sha2::Sha256;

use crate::cookies::{self, CSRF_COOKIE};
use crate::error::AppError;
use crate::state::AppState;

type HmacSha256 = Hmac<Sha256>;

/// The server-side key tokens are signed with.
#[derive(Clone)]
pub struct CsrfKey([u8; 32]);

impl CsrfKey {
    /// Read the key file, or create it with 32 random bytes (two v4 UUIDs' worth of OS
    /// randomness) on first start.
    pub fn load_or_create(path: &Path) -> anyhow::Result<CsrfKey> {
        if let Ok(text) = std::fs::read_to_string(path)
            && let Ok(bytes) = hex::decode(text.trim())
            && let Ok(key) = <[u8; 32]>::try_from(bytes.as_slice())
        {
            return Ok(CsrfKey(key));
        }
        let mut key = [0u8; 32];
        key[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        key[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        std::fs::write(path, hex::encode(key))?;
        Ok(CsrfKey(key))
    }

    fn mac(&self, cookie: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(cookie.as_bytes());
        mac
    }

    /// The token forms carry for this cookie value.
    pub fn token(&self, cookie: &str) -> String {
        hex::encode(self.mac(cookie).finalize().into_bytes())
    }

    /// Constant-time check of a submitted token against the cookie it must be bound to.
    pub fn verify(&self, cookie: &str, token: &str) -> bool {
        match hex::decode(token) {
            Ok(bytes) => self.mac(cookie).verify_slice(&bytes).is_ok(),
            Err(_) => false,
        }
    }
}

/// The CSRF cookie value of this request: the browser's, or a fresh one being set now.
#[derive(Clone, Debug)]
pub struct CsrfCookie(pub String);

/// Middleware: give every browser a CSRF cookie, and every handler the current value.
pub async fn ensure_cookie(mut req: Request, next: Next) -> Response {
    let existing = cookies::get(req.headers(), CSRF_COOKIE)
        .filter(|v| v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned);
    let (value, is_new) = match existing {
        Some(v) => (v, false),
        None => (uuid::Uuid::new_v4().simple().to_string(), true),
    };
    req.extensions_mut().insert(CsrfCookie(value.clone()));
    let mut resp = next.run(req).await;
    if is_new {
        resp.headers_mut()
            .append(header::SET_COOKIE, cookies::set(CSRF_COOKIE, &value));
    }
    resp
}

/// A form whose only field is the token (sign-out, "set up TOTP", step-up).
#[derive(serde::Deserialize)]
pub struct NoFields {}

/// A urlencoded POST body whose `csrf` field was checked; `T` gets the other fields.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        // Only the cookie the browser actually sent counts, not one minted for this request.
        let cookie = cookies::get(req.headers(), CSRF_COOKIE).map(str::to_owned);
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::BadForm)?;
        let fields: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&body).map_err(|_| AppError::BadForm)?;
        let token = fields.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v);
        match (cookie, token) {
            (Some(cookie), Some(token)) if state.csrf_key.verify(&cookie, token) => {}
            _ => return Err(AppError::Csrf),
        }
        serde_urlencoded::from_bytes(&body)
            .map(CsrfForm)
            .map_err(|_| AppError::BadForm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_verifies_only_for_its_cookie_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let key = CsrfKey::load_or_create(&dir.path().join("k")).unwrap();
        let token = key.token("cookie-a");
        assert!(key.verify("cookie-a", &token));
        assert!(!key.verify("cookie-b", &token));
        assert!(!key.verify("cookie-a", "zz"));
        let other = CsrfKey::load_or_create(&dir.path().join("other")).unwrap();
        assert!(!other.verify("cookie-a", &token));
    }

    #[test]
    fn the_key_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("csrf.key");
        let token = CsrfKey::load_or_create(&path).unwrap().token("c");
        assert!(CsrfKey::load_or_create(&path).unwrap().verify("c", &token));
    }
}
