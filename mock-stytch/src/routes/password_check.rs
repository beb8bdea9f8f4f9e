//! Judging a password without verifying it under the write lock (issue 16), for the password
//! routes that check one (`authenticate`, `existing_password/reset`).
//!
//! [`password_tx`] verifies the candidate against the member's current hash read from the pool
//! ([`password::precheck`], a blocking thread), then opens the write transaction and only
//! compares there that the hash is still the same string. A hash changed in between (a reset
//! won the race) is verified again outside the lock; after [`STALE_ROUNDS`] rounds it is verified
//! inside, so a request always finishes. The verdict is used in the transaction, so a wrong
//! password is counted toward the user lock exactly as before. This module must never answer a
//! password from a verdict made against another hash than the one the transaction reads.

use crate::db::Conn;

use crate::db::WriteTx;
use crate::error::ApiResult;
use crate::mfa::decide::{Context, SessionArgs};
use crate::model::password;
use crate::model::{Member, Organization, lockout, validate};
use crate::state::AppState;

/// What the transaction makes of a password verified outside it ([`password::precheck`]).
enum Checked {
    /// The password is the member's.
    Right(Box<Organization>, Member),
    /// A wrong password for an existing member, for the caller to count (`passwords::refuse`).
    Wrong(Member),
    /// What was verified is not the member's current hash (none was found outside the lock, or
    /// a reset changed it since): verify this one, outside the lock, and try again.
    Stale { member_id: String, hash: String },
}

/// How many times a request verifies a hash that changed under it before it verifies inside the
/// transaction (only a member whose password is reset in a tight loop ever gets there).
const STALE_ROUNDS: u32 = 3;

/// The organization and member a password is for, judged with the verdict `verified` reached
/// outside the lock. An unknown email or a member without a password is a plain 401 (no member
/// to count against). A locked member is 429 `user_lock_limit_reached` before the password is
/// looked at. With `last_round`, a stale verdict is replaced by verifying here.
async fn check_password(
    conn: &mut Conn,
    state: &AppState,
    org_key: &str,
    email: &str,
    verified: Option<&password::Verified>,
    last_round: Option<&str>,
) -> ApiResult<Checked> {
    let org = Organization::get(conn, org_key).await?;
    let email = validate::email(email).map_err(|_| password::wrong_credentials())?;
    let mut member = Member::find_by_email(conn, &org.organization_id, &email)
        .await?
        .ok_or_else(password::wrong_credentials)?;
    let stored = member
        .password_hash(conn)
        .await?
        .ok_or_else(password::wrong_credentials)?;
    let before = member.clone();
    lockout::ensure_unlocked(conn, state, &mut member).await?;
    if member != before {
        member.save(conn).await?;
    }
    let matches = match (
        verified.and_then(|v| v.verdict_for(&member.member_id, &stored)),
        last_round,
    ) {
        (Some(matches), _) => matches,
        (None, Some(candidate)) => password::verify(&stored, candidate),
        (None, None) => {
            return Ok(Checked::Stale {
                member_id: member.member_id,
                hash: stored,
            });
        }
    };
    Ok(if matches {
        Checked::Right(Box::new(org), member)
    } else {
        Checked::Wrong(member)
    })
}

/// Verify outside the lock, then open the write transaction, load the request's session
/// arguments and judge the password in it ([`check_password`]); a hash that changed in between
/// is verified again. Returns the open transaction with the organization and member when the
/// password is right, or the member to count the wrong password against.
pub(crate) async fn password_tx(
    state: &AppState,
    args: &SessionArgs,
    org_key: &str,
    email: &str,
    candidate: &str,
) -> ApiResult<(WriteTx, Context, Result<(Organization, Member), Member>)> {
    let mut verified = password::precheck(state, org_key, email, candidate).await;
    let mut round = 0;
    loop {
        round += 1;
        let mut tx = state.db.write().await?;
        let ctx = args.load(&mut tx, state).await?;
        let last_round = (round >= STALE_ROUNDS).then_some(candidate);
        match check_password(
            &mut tx,
            state,
            org_key,
            email,
            verified.as_ref(),
            last_round,
        )
        .await?
        {
            Checked::Stale { member_id, hash } => {
                drop(tx);
                verified = Some(password::Verified::check(member_id, hash, candidate).await?);
            }
            Checked::Right(org, member) => return Ok((tx, ctx, Ok((*org, member)))),
            Checked::Wrong(member) => return Ok((tx, ctx, Err(member))),
        }
    }
}
