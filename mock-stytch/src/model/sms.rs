//! SMS OTP codes: issuing (and putting the SMS in the outbox) and checking.
//!
//! One live code per member; a new send replaces it. Codes are 6 digits derived from the seed,
//! the member and the member's send counter, so two members never share a code by construction
//! and a rerun reproduces them. Checking is constant-time, counts wrong attempts, and consumes
//! the code on success. The code itself is never logged.

use sqlx::SqliteConnection;
use subtle::ConstantTimeEq;

use crate::error::{ApiError, ApiResult};
use crate::model::Member;
use crate::model::outbox::{self, Outgoing};
use crate::state::AppState;

pub const CODE_LIFETIME_SECONDS: i64 = 120;

/// Issue a fresh code to the member's phone (`phone`, E.164) and put the SMS in the outbox.
pub async fn issue(conn: &mut SqliteConnection, state: &AppState, member: &Member, phone: &str) -> ApiResult<()> {
    let sends: i64 = sqlx::query_scalar("SELECT sends FROM sms_codes WHERE member_id = ?")
        .bind(&member.member_id)
        .fetch_optional(&mut *conn)
        .await?
        .unwrap_or(0)
        + 1;
    let code = match &state.config.fixed_otp {
        Some(fixed) => fixed.clone(),
        None => {
            let key = format!("{}|{sends}", member.member_id);
            crate::ids::digits_from(&state.ids.derive("sms-otp", key.as_bytes()), 6)
        }
    };
    let now = state.clock.now_ts();
    sqlx::query(
        "INSERT INTO sms_codes (member_id, phone_number, code, sends, expires_at, attempts, consumed_at) \
         VALUES (?, ?, ?, ?, ?, 0, NULL) ON CONFLICT(member_id) DO UPDATE SET phone_number = excluded.phone_number, \
         code = excluded.code, sends = excluded.sends, expires_at = excluded.expires_at, attempts = 0, consumed_at = NULL",
    )
    .bind(&member.member_id)
    .bind(phone)
    .bind(&code)
    .bind(sends)
    .bind(now + CODE_LIFETIME_SECONDS)
    .execute(&mut *conn)
    .await?;
    outbox::send(
        conn,
        state,
        Outgoing {
            channel: "sms",
            to: phone,
            organization_id: Some(&member.organization_id),
            member_id: Some(&member.member_id),
            kind: "sms_otp",
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
            Refusal::NotFound | Refusal::Wrong => {
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

/// Check `code` for `member`; on success the code is consumed. A refusal is `Ok(Err(_))`, not an
/// error, because the caller must still COMMIT (a wrong attempt is counted in its transaction).
pub async fn check(conn: &mut SqliteConnection, state: &AppState, member: &Member, code: &str) -> ApiResult<Result<(), Refusal>> {
    let row: Option<(String, i64, i64, Option<i64>)> =
        sqlx::query_as("SELECT code, expires_at, attempts, consumed_at FROM sms_codes WHERE member_id = ?")
            .bind(&member.member_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((expected, expires_at, attempts, consumed_at)) = row else { return Ok(Err(Refusal::NotFound)) };
    let now = state.clock.now_ts();
    if attempts >= i64::from(state.config.max_code_attempts) {
        return Ok(Err(Refusal::Exhausted));
    }
    let matches = bool::from(expected.as_bytes().ct_eq(code.as_bytes()));
    if !matches {
        sqlx::query("UPDATE sms_codes SET attempts = attempts + 1 WHERE member_id = ?")
            .bind(&member.member_id)
            .execute(&mut *conn)
            .await?;
        return Ok(Err(Refusal::Wrong));
    }
    if consumed_at.is_some() || expires_at <= now {
        return Ok(Err(Refusal::Spent));
    }
    sqlx::query("UPDATE sms_codes SET consumed_at = ? WHERE member_id = ?")
        .bind(now)
        .bind(&member.member_id)
        .execute(&mut *conn)
        .await?;
    Ok(Ok(()))
}
