//! One-time codes stored one per member (SMS OTP in `sms_codes`, email OTP in
//! `email_otp_codes`): the check both share — constant-time compare, wrong attempts counted
//! (`config.max_code_attempts` kills the code), consumed on success. Never logs a code.

use crate::db::Conn;
use subtle::ConstantTimeEq;

use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::model::Member;
use crate::state::AppState;

/// The tables that hold one live code per member, with the same columns.
#[derive(Debug, Clone, Copy)]
pub enum CodeTable {
    Sms,
    Email,
}

impl CodeTable {
    fn name(self) -> &'static str {
        match self {
            CodeTable::Sms => "sms_codes",
            CodeTable::Email => "email_otp_codes",
        }
    }
}

/// Why a submitted code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No code was ever sent, or it was replaced.
    NotFound,
    /// Right code, but expired or already used.
    Spent,
    /// Wrong code (attempt counted).
    Wrong,
    /// Too many wrong attempts: the code is dead.
    Exhausted,
}

impl Refusal {
    pub fn error(self) -> ApiError {
        match self {
            Refusal::NotFound | Refusal::Wrong => ApiError::of(catalog::OTP_CODE_NOT_FOUND),
            Refusal::Spent => ApiError::of(catalog::UNABLE_TO_AUTH_OTP_CODE),
            Refusal::Exhausted => ApiError::of(catalog::OTP_CODE_ATTEMPTS_EXCEEDED),
        }
    }
}

/// Check `code` for `member`; on success the code is consumed. A refusal is `Ok(Err(_))`, not an
/// error, because the caller must still COMMIT (a wrong attempt is counted in its transaction).
pub async fn check(
    conn: &mut Conn,
    state: &AppState,
    table: CodeTable,
    member: &Member,
    code: &str,
) -> ApiResult<Result<(), Refusal>> {
    let table = table.name();
    let row: Option<(String, i64, i64, Option<i64>)> = crate::db::sql::query_as(&format!(
        "SELECT code, expires_at, attempts, consumed_at FROM {table} WHERE member_id = ?"
    ))
    .bind(&member.member_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((expected, expires_at, attempts, consumed_at)) = row else {
        return Ok(Err(Refusal::NotFound));
    };
    let now = state.clock.now_ts();
    if attempts >= i64::from(state.config.max_code_attempts) {
        return Ok(Err(Refusal::Exhausted));
    }
    let matches = bool::from(expected.as_bytes().ct_eq(code.as_bytes()));
    if !matches {
        crate::db::sql::query(&format!(
            "UPDATE {table} SET attempts = attempts + 1 WHERE member_id = ?"
        ))
        .bind(&member.member_id)
        .execute(&mut *conn)
        .await?;
        return Ok(Err(Refusal::Wrong));
    }
    if consumed_at.is_some() || expires_at <= now {
        return Ok(Err(Refusal::Spent));
    }
    crate::db::sql::query(&format!(
        "UPDATE {table} SET consumed_at = ? WHERE member_id = ?"
    ))
    .bind(now)
    .bind(&member.member_id)
    .execute(&mut *conn)
    .await?;
    Ok(Ok(()))
}
