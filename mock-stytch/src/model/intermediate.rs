//! Intermediate session tokens (ISTs): the proof of a primary factor while MFA (or another
//! primary factor) is still owed. 10 minutes, single use once spent on a session (§3 R7).
//!
//! Every lookup here checks expiry and consumption; a handler can never get a dead IST.

use crate::db::Conn;
use serde_json::Value;

use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

pub const IST_LIFETIME_SECONDS: i64 = 600;

#[derive(Clone, Debug)]
pub struct Intermediate {
    pub token: String,
    pub member_id: Option<String>,
    pub organization_id: Option<String>,
    pub email_address: String,
    pub factors: Vec<Value>,
    pub expires_at: i64,
}

/// token, member_id, organization_id, email_address, factors, expires_at.
type IstRow = (String, Option<String>, Option<String>, String, String, i64);

pub fn not_found() -> ApiError {
    ApiError::of(catalog::INTERMEDIATE_SESSION_NOT_FOUND)
}

impl Intermediate {
    /// A new IST (or, when `reuse` is a live IST, that same token with the bag updated: R7).
    pub async fn issue(
        conn: &mut Conn,
        state: &AppState,
        member_id: Option<&str>,
        organization_id: Option<&str>,
        email: &str,
        factors: Vec<Value>,
        reuse: Option<&Intermediate>,
    ) -> ApiResult<Intermediate> {
        let now = state.clock.now_ts();
        let ist = Intermediate {
            token: reuse
                .map(|r| r.token.clone())
                .unwrap_or_else(|| state.ids.token()),
            member_id: member_id.map(str::to_owned),
            organization_id: organization_id.map(str::to_owned),
            email_address: email.to_owned(),
            factors,
            expires_at: reuse
                .map(|r| r.expires_at)
                .unwrap_or(now + IST_LIFETIME_SECONDS),
        };
        crate::db::sql::query(
            "INSERT INTO intermediate_sessions (token, member_id, organization_id, email_address, factors, created_at, expires_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(token) DO UPDATE SET member_id = excluded.member_id, \
             organization_id = excluded.organization_id, factors = excluded.factors",
        )
        .bind(&ist.token)
        .bind(&ist.member_id)
        .bind(&ist.organization_id)
        .bind(&ist.email_address)
        .bind(serde_json::to_string(&ist.factors)?)
        .bind(now)
        .bind(ist.expires_at)
        .execute(conn)
        .await?;
        Ok(ist)
    }

    /// The live IST for `token`, or `intermediate_session_not_found`.
    pub async fn live(conn: &mut Conn, state: &AppState, token: &str) -> ApiResult<Intermediate> {
        let row: Option<IstRow> = crate::db::sql::query_as(
            "SELECT token, member_id, organization_id, email_address, factors, expires_at FROM intermediate_sessions \
             WHERE token = ? AND consumed_at IS NULL AND expires_at > ?",
        )
        .bind(token)
        .bind(state.clock.now_ts())
        .fetch_optional(conn)
        .await?;
        let (token, member_id, organization_id, email_address, factors, expires_at) =
            row.ok_or_else(not_found)?;
        Ok(Intermediate {
            token,
            member_id,
            organization_id,
            email_address,
            factors: serde_json::from_str(&factors)?,
            expires_at,
        })
    }

    /// Spend the IST: afterwards no lookup finds it. Fails if it was spent meanwhile.
    pub async fn consume(&self, conn: &mut Conn, state: &AppState) -> ApiResult<()> {
        let done = crate::db::sql::query("UPDATE intermediate_sessions SET consumed_at = ? WHERE token = ? AND consumed_at IS NULL")
            .bind(state.clock.now_ts())
            .bind(&self.token)
            .execute(conn)
            .await?;
        if done.rows_affected() == 1 {
            Ok(())
        } else {
            Err(not_found())
        }
    }

    /// Does this IST belong to `member_id` (organization-scoped ISTs) or, for a discovery IST,
    /// to that member's email address?
    pub fn belongs_to(&self, member_id: &str, organization_id: &str, email: &str) -> bool {
        match &self.member_id {
            Some(m) => m == member_id && self.organization_id.as_deref() == Some(organization_id),
            None => self.email_address.eq_ignore_ascii_case(email),
        }
    }
}
