//! Organization-scoped email OTP codes (CONTRACT §2.12): issuing (with the email in the outbox)
//! and checking.
//!
//! One live code per member; a new send replaces it. Codes are 6 digits from the seeded id
//! stream. Checking is constant-time, counts wrong attempts (`config.max_code_attempts` kills the
//! code) and consumes the code on success. The code itself is never logged.

use crate::db::Conn;

use crate::error::ApiResult;
use crate::model::Member;
use crate::model::outbox::{self, Outgoing};
use crate::state::AppState;

/// Email OTP login/signup expiry: default 10 minutes, 2..=15 (Stytch's B2B email OTP limits).
pub const DEFAULT_MINUTES: i64 = 10;
pub const MIN_MINUTES: i64 = 2;
pub const MAX_MINUTES: i64 = 15;

/// Issue a fresh code to the member's email and put the email in the outbox.
pub async fn issue(
    conn: &mut Conn,
    state: &AppState,
    member: &Member,
    minutes: i64,
) -> ApiResult<()> {
    let code = state.ids.digits(6);
    let now = state.clock.now_ts();
    crate::db::sql::query(
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

pub use crate::model::otp_code::Refusal;

/// Check `code` for `member`'s email code; see [`crate::model::otp_code::check`].
pub async fn check(
    conn: &mut Conn,
    state: &AppState,
    member: &Member,
    code: &str,
) -> ApiResult<Result<(), Refusal>> {
    crate::model::otp_code::check(
        conn,
        state,
        crate::model::otp_code::CodeTable::Email,
        member,
        code,
    )
    .await
}
