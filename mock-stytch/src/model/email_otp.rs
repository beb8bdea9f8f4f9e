//! Organization-scoped email OTP codes (CONTRACT §2.12): issuing (with the email in the outbox)
//! and checking.
//!
//! One live code per member; a new send replaces it. Codes are 6 digits from the seeded id
//! stream. Checking is constant-time, counts wrong attempts (`config.max_code_attempts` kills the
//! code) and consumes the code on success. The code itself is never logged.

use sqlx::SqliteConnection;
use subtle::ConstantTimeEq;

use crate::error::{ApiError, ApiResult};
use crate::model::Member;
use crate::model::outbox::{self, Outgoing};
use crate::state::AppState;

/// Email OTP login/signup expiry: default 10 minutes, 2..=15 (Stytch's B2B email OTP limits).
pub const DEFAULT_MINUTES: i64 = 10;
pub const MIN_MINUTES: i64 = 2;
pub const MAX_MINUTES: i64 = 15;

/// Issue a fresh code to the member's email and put the email in the outbox.
pub async fn issue(conn: &mut SqliteConnection, state: &AppState, member: &Member, minutes: i64) -> ApiResult<()> {
    let code = state.ids.digits(6);
    let now = state.clock.now_ts();
    sqlx::query(
        "INSERT INTO email_otp_codes (member_id, code, expires_at, attempts, consumed_at) VALUES (?, ?, ?, 0, NULL) \
         ON CONFLICT(member_id) DO UPDATE SET code = excluded.code, expires_at = excluded.expires_at, \
         attempts = 0, consumed_at = NULL",
    )
    .bind(&member.member_id)
    .bind(&code)
    .bind(now + 60 * minutes)
    .execute(&mut *conn)
    .await?;
    outbox::send(
        conn,
        state,
        Outgoing {
            channel: "email",
            to: &member.email_address,
            organization_id: Some(&member.organization_id),
            member_id: Some(&member.member_id),
            kind: "email_otp",
            token: None,
            code: Some(&code),
        },
    )
    .await?;
    Ok(())
}

/// Why a submitted code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Never sent, replaced, or wrong (attempt counted).
    NotFound,
    /// Right code, but expired or already used.
    Spent,
    /// Too many wrong attempts: the code is dead.
    Exhausted,
}

impl Refusal {
    pub fn error(self) -> ApiError {
        match self {
            Refusal::NotFound => {
                ApiError::not_found("otp_code_not_found", "The OTP code is incorrect or could not be found.")
            }
            Refusal::Spent => ApiError::unauthorized(
                "unable_to_auth_otp_code",
                "The OTP code has expired or was already used. Send a new one.",
            ),
            Refusal::Exhausted => ApiError::unauthorized(
                "otp_code_attempts_exceeded",
                "Too many wrong attempts on this OTP code. Send a new one.",
            ),
        }
    }
}

/// Check `code`; on success it is consumed. A refusal is `Ok(Err(_))` because the caller must
/// still COMMIT (a wrong attempt is counted in its transaction).
pub async fn check(conn: &mut SqliteConnection, state: &AppState, member: &Member, code: &str) -> ApiResult<Result<(), Refusal>> {
    let row: Option<(String, i64, i64, Option<i64>)> =
        sqlx::query_as("SELECT code, expires_at, attempts, consumed_at FROM email_otp_codes WHERE member_id = ?")
            .bind(&member.member_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((expected, expires_at, attempts, consumed_at)) = row else { return Ok(Err(Refusal::NotFound)) };
    if attempts >= i64::from(state.config.max_code_attempts) {
        return Ok(Err(Refusal::Exhausted));
    }
    if !bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
        sqlx::query("UPDATE email_otp_codes SET attempts = attempts + 1 WHERE member_id = ?")
            .bind(&member.member_id)
            .execute(&mut *conn)
            .await?;
        return Ok(Err(Refusal::NotFound));
    }
    let now = state.clock.now_ts();
    if consumed_at.is_some() || expires_at <= now {
        return Ok(Err(Refusal::Spent));
    }
    sqlx::query("UPDATE email_otp_codes SET consumed_at = ? WHERE member_id = ?")
        .bind(now)
        .bind(&member.member_id)
        .execute(&mut *conn)
        .await?;
    Ok(Ok(()))
}
