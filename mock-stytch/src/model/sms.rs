//! SMS OTP codes: issuing (and putting the SMS in the outbox) and checking.
//!
//! One live code per member; a new send replaces it. Codes are 6 digits derived from the seed,
//! the member and the member's send counter, so two members never share a code by construction
//! and a rerun reproduces them. Checking is constant-time, counts wrong attempts, and consumes
//! the code on success. The code itself is never logged.
//!
//! The sandbox number ([`SANDBOX_PHONE_NUMBER`]) gets the fixed [`SANDBOX_SMS_CODE`] and no
//! outbox message; its code is stored and checked like any other, so every flow that checks an
//! SMS code (IST or session MFA, enrollment, a login's auto-send) treats it alike.

use crate::db::Conn;

use crate::error::ApiResult;
use crate::mfa::Method;
use crate::model::outbox::{self, Outgoing};
use crate::model::proven::FactorProven;
use crate::model::provision::{SANDBOX_PHONE_NUMBER, SANDBOX_SMS_CODE};
use crate::model::{Member, factor};
use crate::state::AppState;

pub const CODE_LIFETIME_SECONDS: i64 = 120;

/// Issue a fresh code to the member's phone (`phone`, E.164) and put the SMS in the outbox
/// (except for the sandbox number, which gets [`SANDBOX_SMS_CODE`] and no SMS).
pub async fn issue(
    conn: &mut Conn,
    state: &AppState,
    member: &Member,
    phone: &str,
) -> ApiResult<()> {
    let sends: i64 =
        crate::db::sql::query_scalar("SELECT sends FROM sms_codes WHERE member_id = ?")
            .bind(&member.member_id)
            .fetch_optional(&mut *conn)
            .await?
            .unwrap_or(0)
            + 1;
    let sandbox = phone == SANDBOX_PHONE_NUMBER;
    let code = match &state.config.fixed_otp {
        _ if sandbox => SANDBOX_SMS_CODE.to_owned(),
        Some(fixed) => fixed.clone(),
        None => {
            let key = format!("{}|{sends}", member.member_id);
            crate::ids::digits_from(&state.ids.derive("sms-otp", key.as_bytes()), 6)
        }
    };
    let now = state.clock.now_ts();
    crate::db::sql::query(
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
    if sandbox {
        return Ok(());
    }
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

pub use crate::model::otp_code::Refusal;

/// Check `code` for `member`'s SMS code; see [`crate::model::otp_code::check`]. A match is the
/// member's `otp` / `sms` factor, proven now.
pub async fn check(
    conn: &mut Conn,
    state: &AppState,
    member: &Member,
    code: &str,
) -> ApiResult<Result<FactorProven, Refusal>> {
    let checked = crate::model::otp_code::check(
        conn,
        state,
        crate::model::otp_code::CodeTable::Sms,
        member,
        code,
    )
    .await?;
    let now = state.clock.now_ts();
    Ok(checked.map(|()| {
        let f = factor::sms(&state.ids, member, now);
        FactorProven::matched(&member.member_id, Method::SmsOtp, now, f)
    }))
}
