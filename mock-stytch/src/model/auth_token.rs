//! Single-use tokens that prove control of an inbox or of an identity-provider account: magic
//! links (login, signup, invite), password-reset links, and the tokens the control API mints to
//! stand in for an SSO or OAuth round trip (CONTRACT §2.3–§2.5).
//!
//! A token is redeemed at most once: [`redeem`] checks kind, expiry (virtual clock) and
//! consumption and marks it spent in the caller's write transaction, so a rolled-back request
//! leaves it usable. Tokens are never logged; the outbox is the only place they are shown.

use crate::db::Conn;
use serde_json::{Value, json};

use crate::error::ApiResult;
use crate::error::catalog;
use crate::state::AppState;

/// What a token proves, and therefore which endpoint may redeem it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    MagicLinkLogin,
    MagicLinkSignup,
    MagicLinkInvite,
    PasswordReset,
    Sso,
    Oauth,
}

impl Kind {
    /// The stored name; for links it is also the outbox message kind.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::MagicLinkLogin => "magic_link_login",
            Kind::MagicLinkSignup => "magic_link_signup",
            Kind::MagicLinkInvite => "magic_link_invite",
            Kind::PasswordReset => "password_reset",
            Kind::Sso => "sso",
            Kind::Oauth => "oauth",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        [
            Kind::MagicLinkLogin,
            Kind::MagicLinkSignup,
            Kind::MagicLinkInvite,
            Kind::PasswordReset,
            Kind::Sso,
            Kind::Oauth,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// The three kinds `magic_links.authenticate` accepts.
    pub const MAGIC_LINKS: &'static [Kind] = &[
        Kind::MagicLinkLogin,
        Kind::MagicLinkSignup,
        Kind::MagicLinkInvite,
    ];
}

#[derive(Clone, Debug)]
pub struct AuthToken {
    pub token: String,
    pub kind: Kind,
    pub organization_id: String,
    pub member_id: Option<String>,
    pub email_address: String,
    /// Kind-specific facts: PKCE challenge, redirect URL, SSO connection, OAuth provider and subject.
    pub detail: Value,
    pub expires_at: i64,
}

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Never issued (or its member was deleted), or issued for another endpoint.
    NotFound,
    /// Issued here, but already redeemed or expired.
    Spent,
}

/// What to mint; [`issue`] adds the token and times.
pub struct NewToken<'a> {
    pub kind: Kind,
    pub organization_id: &'a str,
    pub member_id: Option<&'a str>,
    pub email_address: &'a str,
    pub detail: Value,
    pub lifetime_seconds: i64,
}

/// Mint a token. Links get Stytch's 44-character `…=` shape, IdP tokens the opaque shape.
pub async fn issue(conn: &mut Conn, state: &AppState, new: NewToken<'_>) -> ApiResult<AuthToken> {
    let now = state.clock.now_ts();
    let token = match new.kind {
        Kind::Sso | Kind::Oauth => state.ids.token(),
        _ => state.ids.link_token(),
    };
    let t = AuthToken {
        token,
        kind: new.kind,
        organization_id: new.organization_id.to_owned(),
        member_id: new.member_id.map(str::to_owned),
        email_address: new.email_address.to_ascii_lowercase(),
        detail: if new.detail.is_object() {
            new.detail
        } else {
            json!({})
        },
        expires_at: now + new.lifetime_seconds,
    };
    crate::db::sql::query(
        "INSERT INTO auth_tokens (token, kind, organization_id, member_id, email_address, detail, created_at, expires_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&t.token)
    .bind(t.kind.as_str())
    .bind(&t.organization_id)
    .bind(&t.member_id)
    .bind(&t.email_address)
    .bind(serde_json::to_string(&t.detail)?)
    .bind(now)
    .bind(t.expires_at)
    .execute(conn)
    .await?;
    Ok(t)
}

type Row = (
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    i64,
    Option<i64>,
);

/// Redeem `token` if it is one of `kinds`, live and unspent; it is spent afterwards. A refusal
/// is `Ok(Err(_))`: the caller picks the endpoint's error names.
pub async fn redeem(
    conn: &mut Conn,
    state: &AppState,
    token: &str,
    kinds: &[Kind],
) -> ApiResult<Result<AuthToken, Refusal>> {
    let row: Option<Row> = crate::db::sql::query_as(
        "SELECT token, kind, organization_id, member_id, email_address, detail, expires_at, consumed_at \
         FROM auth_tokens WHERE token = ?",
    )
    .bind(token)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((
        token,
        kind,
        organization_id,
        member_id,
        email_address,
        detail,
        expires_at,
        consumed_at,
    )) = row
    else {
        return Ok(Err(Refusal::NotFound));
    };
    let Some(kind) = Kind::parse(&kind).filter(|k| kinds.contains(k)) else {
        return Ok(Err(Refusal::NotFound));
    };
    let now = state.clock.now_ts();
    if consumed_at.is_some() || expires_at <= now {
        return Ok(Err(Refusal::Spent));
    }
    let done = crate::db::sql::query(
        "UPDATE auth_tokens SET consumed_at = ? WHERE token = ? AND consumed_at IS NULL",
    )
    .bind(now)
    .bind(&token)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(Err(Refusal::Spent));
    }
    Ok(Ok(AuthToken {
        token,
        kind,
        organization_id,
        member_id,
        email_address,
        detail: serde_json::from_str(&detail)?,
        expires_at,
    }))
}

/// Where a link points when the request named no redirect URL: a Stytch Test project's default.
pub const DEFAULT_REDIRECT_URL: &str = "http://localhost:3000/authenticate";

/// The URL a link email carries, as Stytch builds it: the redirect URL (from the request that
/// sent it, stored in the token's `detail.redirect_url`) plus `stytch_token_type` and `token`.
pub fn link_url(kind: &str, redirect_url: Option<&str>, token: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    /// RFC 3986 unreserved characters stay as they are; `=` and the rest are encoded.
    const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    let base = redirect_url
        .filter(|u| !u.is_empty())
        .unwrap_or(DEFAULT_REDIRECT_URL);
    let token_type = if kind == Kind::PasswordReset.as_str() {
        "multi_tenant_passwords"
    } else {
        "multi_tenant_magic_links"
    };
    let sep = if base.contains('?') { '&' } else { '?' };
    let token = utf8_percent_encode(token, COMPONENT);
    format!("{base}{sep}stytch_token_type={token_type}&token={token}")
}

/// A token's `detail` with the redirect URL the request asked for (when it named one).
pub fn with_redirect(mut detail: Value, redirect_url: Option<&str>) -> Value {
    if let (Some(url), Some(map)) = (
        redirect_url.filter(|u| !u.is_empty()),
        detail.as_object_mut(),
    ) {
        map.insert("redirect_url".into(), Value::from(url));
    }
    detail
}

/// The redirect URL stored with a link token, if the token exists and named one.
pub async fn redirect_url(conn: &mut Conn, token: &str) -> ApiResult<Option<String>> {
    let url: Option<Option<String>> = crate::db::sql::query_scalar(
        "SELECT json_extract(detail, '$.redirect_url') FROM auth_tokens WHERE token = ?",
    )
    .bind(token)
    .fetch_optional(conn)
    .await?;
    Ok(url.flatten())
}

/// An expiry in minutes from a request: `default` when absent, else within `min..=max`
/// (400 `invalid_argument` naming `field` otherwise).
pub fn minutes(
    value: Option<i64>,
    default: i64,
    min: i64,
    max: i64,
    field: &str,
) -> ApiResult<i64> {
    match value {
        None => Ok(default),
        Some(m) if (min..=max).contains(&m) => Ok(m),
        Some(_) => Err(crate::error::ApiError::invalid_argument(format!(
            "{field} must be between {min} and {max}."
        ))),
    }
}

/// PKCE (S256): when the token was issued with a challenge, the verifier must hash to it
/// (400 `pkce_mismatch` otherwise). A verifier without a challenge is ignored.
pub fn check_pkce(token: &AuthToken, verifier: Option<&str>) -> ApiResult<()> {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    let Some(challenge) = token.detail["pkce_code_challenge"].as_str() else {
        return Ok(());
    };
    let ok = verifier
        .map(|v| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(v.as_bytes()))
                == challenge
        })
        .unwrap_or(false);
    if ok {
        Ok(())
    } else {
        Err(crate::error::ApiError::of(catalog::PKCE_MISMATCH))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_urls_carry_the_token_type_and_the_encoded_token() {
        assert_eq!(
            link_url("magic_link_login", None, "ab-_c="),
            "http://localhost:3000/authenticate?stytch_token_type=multi_tenant_magic_links&token=ab-_c%3D"
        );
        assert_eq!(
            link_url("password_reset", Some("https://app.test/reset?x=1"), "t"),
            "https://app.test/reset?x=1&stytch_token_type=multi_tenant_passwords&token=t"
        );
    }
}
