//! The user lock (CONTRACT §1.9 "user lock"): consecutive failed MFA attempts and wrong
//! passwords of one member are counted together, and at `config.lockout_threshold` the member is
//! locked for `config.lockout_seconds` on the virtual clock. While locked, every MFA authenticate
//! and password check answers 429 `user_lock_limit_reached` (the status Stytch documents for that
//! error), whatever the code or password. Other members are unaffected.
//!
//! The count lives in `member_lockouts`; the member object mirrors the lock (`is_locked`,
//! `lock_created_at`, `lock_expires_at`) so clients see it. A success resets the count. The
//! attempt that reaches the threshold still gets its own refusal (wrong code); the lock applies
//! from the next attempt. An expired lock is lifted at the member's next MFA or password attempt;
//! until then readers show it lifted through [`reflect_expiry`].
//!
//! Callers must record a failure in the same transaction that judged the attempt, and commit it
//! even though the request fails — otherwise an attacker's guesses would be free. Nothing here
//! looks at codes or passwords.

use crate::db::Conn;

use crate::clock::rfc3339;
use crate::error::{ApiError, ApiResult, catalog};
use crate::model::Member;
use crate::state::AppState;

/// 429 `user_lock_limit_reached`.
pub fn locked() -> ApiError {
    ApiError::of(catalog::USER_LOCK_LIMIT_REACHED)
}

/// Refuse a locked member; lift a lock whose time is up (the change is in `member`, which the
/// caller saves with the rest of the request).
pub async fn ensure_unlocked(
    conn: &mut Conn,
    state: &AppState,
    member: &mut Member,
) -> ApiResult<()> {
    let until: Option<Option<i64>> = crate::db::sql::query_scalar(
        "SELECT locked_until FROM member_lockouts WHERE member_id = ?",
    )
    .bind(&member.member_id)
    .fetch_optional(&mut *conn)
    .await?;
    match until.flatten() {
        Some(until) if until > state.clock.now_ts() => Err(locked()),
        Some(_) => {
            crate::db::sql::query("UPDATE member_lockouts SET failures = 0, locked_at = NULL, locked_until = NULL WHERE member_id = ?")
                .bind(&member.member_id)
                .execute(&mut *conn)
                .await?;
            clear(member);
            Ok(())
        }
        None => {
            // The row may be gone (reset) while the mirror still says locked.
            clear(member);
            Ok(())
        }
    }
}

/// Count one failed attempt; locks the member when the threshold is reached. Saves `member`.
/// Returns whether this attempt locked the member.
pub async fn record_failure(
    conn: &mut Conn,
    state: &AppState,
    member: &mut Member,
) -> ApiResult<bool> {
    let failures: i64 = crate::db::sql::query_scalar(
        "INSERT INTO member_lockouts (member_id, failures) VALUES (?, 1) \
         ON CONFLICT(member_id) DO UPDATE SET failures = failures + 1 RETURNING failures",
    )
    .bind(&member.member_id)
    .fetch_one(&mut *conn)
    .await?;
    let threshold = i64::from(state.config.lockout_threshold.max(1));
    let now_locked = failures >= threshold;
    if now_locked {
        let now = state.clock.now_ts();
        let until = now + state.config.lockout_seconds.max(1);
        crate::db::sql::query("UPDATE member_lockouts SET failures = 0, locked_at = ?, locked_until = ? WHERE member_id = ?")
            .bind(now)
            .bind(until)
            .bind(&member.member_id)
            .execute(&mut *conn)
            .await?;
        member.is_locked = true;
        member.lock_created_at = Some(rfc3339(now));
        member.lock_expires_at = Some(rfc3339(until));
        member.updated_at = rfc3339(now);
        tracing::info!(member_id = %member.member_id, until = %rfc3339(until), "member locked after failed attempts");
    }
    member.save(conn).await?;
    Ok(now_locked)
}

/// A successful MFA attempt: the count starts again. The caller saves `member`.
pub async fn record_success(conn: &mut Conn, member: &mut Member) -> ApiResult<()> {
    forget_failures(conn, &member.member_id).await?;
    clear(member);
    Ok(())
}

/// Drop the member's count (and any lock row); for a member known not to be locked.
pub async fn forget_failures(conn: &mut Conn, member_id: &str) -> ApiResult<()> {
    crate::db::sql::query("DELETE FROM member_lockouts WHERE member_id = ?")
        .bind(member_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Show a lock whose time is up as lifted, for a member about to be returned by a read (the
/// stored row is lifted at the member's next attempt). Without this, `is_locked` would stay
/// `true` past `lock_expires_at` until the member tried again.
pub fn reflect_expiry(state: &AppState, member: &mut Member) {
    let expired = member
        .lock_expires_at
        .as_deref()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .is_some_and(|t| t.timestamp() <= state.clock.now_ts());
    if member.is_locked && expired {
        clear(member);
    }
}

fn clear(member: &mut Member) {
    member.is_locked = false;
    member.lock_created_at = None;
    member.lock_expires_at = None;
}
