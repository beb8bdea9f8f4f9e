//! Recovery codes (CONTRACT §2.11): ten single-use backup codes per TOTP registration, format
//! `xxxx-xxxx-xxxx` (lower-case letters and digits), derived from the seed, the registration and
//! its rotation count, so a rerun with the same seed hands out the same codes.
//!
//! Redeeming compares the submitted code with every unused code in constant time and without
//! stopping at a match, so timing says nothing about which code (or how much of one) was right.
//! Codes of a pending registration exist (they are shown at creation) but redeem nothing until
//! the registration is active. Never log a code.

use crate::db::Conn;
use subtle::{Choice, ConstantTimeEq};

use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::ids::uuid_from;
use crate::mfa::Method;
use crate::model::factor;
use crate::model::proven::FactorProven;
use crate::model::totp::Registration;
use crate::state::AppState;

pub const CODES_PER_REGISTRATION: usize = 10;
const ALPHABET: &[u8; 36] = b"abcdefghijklmnopqrstuvwxyz0123456789";

pub fn not_found() -> ApiError {
    ApiError::of(catalog::RECOVERY_CODES_NOT_FOUND)
}

pub fn refused() -> ApiError {
    ApiError::of(catalog::UNABLE_TO_AUTHENTICATE_RECOVERY_CODE)
}

/// A code formatted `xxxx-xxxx-xxxx` from 12 derived bytes.
fn format_code(bytes: &[u8; 32]) -> String {
    let mut out = String::with_capacity(14);
    for (i, b) in bytes.iter().take(12).enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]));
    }
    out
}

/// Is `code` the shape of a recovery code?
pub fn looks_like_recovery_code(code: &str) -> bool {
    let parts: Vec<&str> = code.split('-').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| p.len() == 4 && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Mint (or, for a migration, store the given) codes of `reg`'s current generation; returns them
/// in order. Old codes of the registration are deleted first.
pub async fn mint(
    conn: &mut Conn,
    state: &AppState,
    reg: &Registration,
    given: Option<Vec<String>>,
) -> ApiResult<Vec<String>> {
    crate::db::sql::query("DELETE FROM recovery_codes WHERE totp_registration_id = ?")
        .bind(&reg.totp_registration_id)
        .execute(&mut *conn)
        .await?;
    let codes: Vec<String> = match given {
        Some(given) => given,
        None => (0..CODES_PER_REGISTRATION)
            .map(|i| {
                let key = format!("{}|{}|{i}", reg.totp_registration_id, reg.generation);
                format_code(&state.ids.derive("recovery-code", key.as_bytes()))
            })
            .collect(),
    };
    for (i, code) in codes.iter().enumerate() {
        let key = format!("{}|{}|{i}", reg.totp_registration_id, reg.generation);
        let id = format!(
            "member-totp-recovery-code-test-{}",
            uuid_from(&state.ids.derive("recovery-code-id", key.as_bytes()))
        );
        crate::db::sql::query(
            "INSERT INTO recovery_codes (recovery_code_id, totp_registration_id, position, code) VALUES (?, ?, ?, ?)",
        )
        .bind(id)
        .bind(&reg.totp_registration_id)
        .bind(i as i64)
        .bind(code)
        .execute(&mut *conn)
        .await?;
    }
    Ok(codes)
}

/// Normalise codes handed to `totps.migrate`: trimmed, lower case, `xxxx-xxxx-xxxx`, distinct.
pub fn normalise_given(codes: &[String]) -> ApiResult<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(codes.len());
    for c in codes {
        let c = c.trim().to_ascii_lowercase();
        if !looks_like_recovery_code(&c) {
            return Err(ApiError::invalid_argument(
                "recovery_codes must look like xxxx-xxxx-xxxx (letters and digits).",
            ));
        }
        if out.contains(&c) {
            return Err(ApiError::invalid_argument(
                "recovery_codes must be distinct.",
            ));
        }
        out.push(c);
    }
    Ok(out)
}

/// The unused codes of a registration, in the order they were handed out.
pub async fn unused(conn: &mut Conn, reg: &Registration) -> ApiResult<Vec<String>> {
    Ok(crate::db::sql::query_scalar("SELECT code FROM recovery_codes WHERE totp_registration_id = ? AND used_at IS NULL ORDER BY position")
        .bind(&reg.totp_registration_id)
        .fetch_all(conn)
        .await?)
}

/// Redeem `code`: on a match the code is spent and the proof (a `recovery_codes` factor naming
/// the code) returned.
pub async fn redeem(
    conn: &mut Conn,
    state: &AppState,
    reg: &Registration,
    code: &str,
) -> ApiResult<Option<FactorProven>> {
    let submitted = code.trim().to_ascii_lowercase();
    let rows: Vec<(String, String)> = crate::db::sql::query_as(
        "SELECT recovery_code_id, code FROM recovery_codes WHERE totp_registration_id = ? AND used_at IS NULL ORDER BY position",
    )
    .bind(&reg.totp_registration_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut found: Option<String> = None;
    for (id, stored) in rows {
        let hit: Choice = stored.as_bytes().ct_eq(submitted.as_bytes());
        if bool::from(hit) && found.is_none() {
            found = Some(id);
        }
    }
    let Some(id) = found else {
        return Ok(None);
    };
    let now = state.clock.now_ts();
    crate::db::sql::query(
        "UPDATE recovery_codes SET used_at = ? WHERE recovery_code_id = ? AND used_at IS NULL",
    )
    .bind(now)
    .bind(&id)
    .execute(conn)
    .await?;
    let f = factor::recovery_code(&id, now);
    Ok(Some(FactorProven::matched(
        &reg.member_id,
        Method::RecoveryCode,
        now,
        f,
    )))
}

/// Invalidate every code of `reg` and mint a fresh set (the rotation count goes up).
pub async fn rotate(
    conn: &mut Conn,
    state: &AppState,
    reg: &mut Registration,
) -> ApiResult<Vec<String>> {
    reg.generation += 1;
    crate::db::sql::query(
        "UPDATE totp_registrations SET generation = ? WHERE totp_registration_id = ?",
    )
    .bind(reg.generation)
    .bind(&reg.totp_registration_id)
    .execute(&mut *conn)
    .await?;
    mint(conn, state, reg, None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_the_documented_shape() {
        let code = format_code(&[7u8; 32]);
        assert!(looks_like_recovery_code(&code), "{code}");
        assert_eq!(code.len(), 14);
        assert!(
            code.chars()
                .all(|c| c == '-' || c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        assert!(!looks_like_recovery_code("123456"));
        assert!(!looks_like_recovery_code("abcd-efgh"));
    }

    #[test]
    fn given_codes_are_normalised_and_checked() {
        let ok = normalise_given(&[" ABCD-efgh-1234 ".into()]).unwrap();
        assert_eq!(ok, vec!["abcd-efgh-1234"]);
        assert!(normalise_given(&["abcd".into()]).is_err());
        assert!(normalise_given(&["abcd-efgh-1234".into(), "ABCD-EFGH-1234".into()]).is_err());
    }
}
