//! Member sessions: minting (token + JWT), lookup by token or JWT, step-up (adding a factor),
//! revocation, and the MemberSession wire object (§2.7).
//!
//! A session is alive while `revoked_at IS NULL AND expires_at > now` on the virtual clock.
//! Every lookup here enforces that; JWTs are accepted past their 5-minute `exp` as long as the
//! session behind them is alive, as Stytch does. Never mint a session without the factors that
//! justify it — callers pass the full bag.
//!
//! A few lines over 400 on purpose: minting, every lookup and the wire object share the one
//! liveness rule above, and splitting them would put that rule in two files.

use crate::db::Conn;
use serde_json::{Map, Value, json};

use crate::clock::rfc3339;
use crate::db::Committed;
use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::jwt::{JWT_LIFETIME_SECONDS, Unsigned};
use crate::model::{Member, Organization};
use crate::state::AppState;

pub use super::session_args::{SessionKey, SessionOptions};

pub const DEFAULT_SESSION_MINUTES: i64 = 60;
pub const MIN_SESSION_MINUTES: i64 = 5;
pub const MAX_SESSION_MINUTES: i64 = 527_040;

#[derive(Clone, Debug)]
pub struct Session {
    pub member_session_id: String,
    pub session_token: String,
    pub member_id: String,
    pub organization_id: String,
    pub started_at: i64,
    pub last_accessed_at: i64,
    pub expires_at: i64,
    pub factors: Vec<Value>,
    pub custom_claims: Map<String, Value>,
}

/// A live session plus the claims of its JWT, to sign after the commit.
#[derive(Debug)]
pub struct Minted {
    pub session: Session,
    pub jwt: Unsigned,
}

pub fn not_found() -> ApiError {
    ApiError::of(catalog::SESSION_NOT_FOUND)
}

/// Check `session_duration_minutes` (5..=527040).
pub fn duration(minutes: Option<i64>) -> ApiResult<Option<i64>> {
    match minutes {
        None => Ok(None),
        Some(m) if (MIN_SESSION_MINUTES..=MAX_SESSION_MINUTES).contains(&m) => Ok(Some(m)),
        Some(_) => Err(ApiError::of(catalog::INVALID_SESSION_DURATION_MINUTES)),
    }
}

/// Merge custom claims: reserved names are ignored, `null` deletes a key (§1.9).
pub fn merge_claims(into: &mut Map<String, Value>, claims: Option<&Value>) -> ApiResult<()> {
    let Some(claims) = claims else { return Ok(()) };
    let Some(obj) = claims.as_object() else {
        return Err(ApiError::invalid_argument(
            "session_custom_claims must be an object.",
        ));
    };
    for (k, v) in obj {
        if ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"].contains(&k.as_str())
            || k.starts_with("https://stytch.com/")
        {
            continue;
        }
        if v.is_null() {
            into.remove(k);
        } else {
            into.insert(k.clone(), v.clone());
        }
    }
    if serde_json::to_string(into)?.len() > 4096 {
        return Err(ApiError::of(catalog::INVALID_CUSTOM_CLAIMS));
    }
    Ok(())
}

const COLUMNS: &str = "member_session_id, session_token, member_id, organization_id, started_at, last_accessed_at, expires_at, factors, custom_claims";
type Row = (
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    String,
    String,
);

fn from_row(r: Row) -> ApiResult<Session> {
    Ok(Session {
        member_session_id: r.0,
        session_token: r.1,
        member_id: r.2,
        organization_id: r.3,
        started_at: r.4,
        last_accessed_at: r.5,
        expires_at: r.6,
        factors: serde_json::from_str(&r.7)?,
        custom_claims: serde_json::from_str(&r.8)?,
    })
}

impl Session {
    /// Create a session for `member` with `factors`, lasting `minutes` (default 60).
    pub async fn mint(
        conn: &mut Conn,
        state: &AppState,
        member: &Member,
        org: &Organization,
        factors: Vec<Value>,
        minutes: Option<i64>,
        custom_claims: Option<&Value>,
    ) -> ApiResult<Minted> {
        let now = state.clock.now_ts();
        let mut claims = Map::new();
        merge_claims(&mut claims, custom_claims)?;
        let session = Session {
            member_session_id: state.ids.id("member-session"),
            session_token: state.ids.token(),
            member_id: member.member_id.clone(),
            organization_id: org.organization_id.clone(),
            started_at: now,
            last_accessed_at: now,
            expires_at: now + 60 * minutes.unwrap_or(DEFAULT_SESSION_MINUTES),
            factors,
            custom_claims: claims,
        };
        crate::db::sql::query(&format!(
            "INSERT INTO member_sessions ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(&session.member_session_id)
        .bind(&session.session_token)
        .bind(&session.member_id)
        .bind(&session.organization_id)
        .bind(session.started_at)
        .bind(session.last_accessed_at)
        .bind(session.expires_at)
        .bind(serde_json::to_string(&session.factors)?)
        .bind(serde_json::to_string(&session.custom_claims)?)
        .execute(conn)
        .await?;
        let jwt = session.claims(state, member, org);
        Ok(Minted { session, jwt })
    }

    /// The live session with this token.
    pub async fn by_token(conn: &mut Conn, state: &AppState, token: &str) -> ApiResult<Session> {
        let row: Option<Row> = crate::db::sql::query_as(&format!(
            "SELECT {COLUMNS} FROM member_sessions WHERE session_token = ? AND revoked_at IS NULL AND expires_at > ?"
        ))
        .bind(token)
        .bind(state.clock.now_ts())
        .fetch_optional(conn)
        .await?;
        from_row(row.ok_or_else(not_found)?)
    }

    /// The live session with this id.
    pub async fn by_id(conn: &mut Conn, state: &AppState, id: &str) -> ApiResult<Session> {
        let row: Option<Row> = crate::db::sql::query_as(&format!(
            "SELECT {COLUMNS} FROM member_sessions WHERE member_session_id = ? AND revoked_at IS NULL AND expires_at > ?"
        ))
        .bind(id)
        .bind(state.clock.now_ts())
        .fetch_optional(conn)
        .await?;
        from_row(row.ok_or_else(not_found)?)
    }

    /// The live session a JWT names (signature checked; an expired `exp` is fine, §2.7).
    /// The live session `key` names.
    pub async fn by_key(conn: &mut Conn, state: &AppState, key: &SessionKey) -> ApiResult<Session> {
        match key {
            SessionKey::Token(t) => Session::by_token(conn, state, t).await,
            SessionKey::Id(id) => Session::by_id(conn, state, id).await,
        }
    }

    /// [`SessionKey::from_args`] then [`Session::by_key`], for a caller already inside its
    /// transaction; a route that can resolves the key before taking the write lock.
    pub async fn from_args(
        conn: &mut Conn,
        state: &AppState,
        token: Option<&str>,
        jwt: Option<&str>,
    ) -> ApiResult<Session> {
        let key = SessionKey::from_args(state, token, jwt).await?;
        Session::by_key(conn, state, &key).await
    }

    /// Mark accessed, optionally extend to `now + minutes`, add a factor and merge claims;
    /// returns the claims of a fresh JWT (signed after the commit). The whole update is one
    /// statement guarded by liveness.
    #[allow(clippy::too_many_arguments)] // each argument is one optional effect of a touch
    pub async fn touch(
        &mut self,
        conn: &mut Conn,
        state: &AppState,
        member: &Member,
        org: &Organization,
        extend_minutes: Option<i64>,
        add_factor: Option<Value>,
        custom_claims: Option<&Value>,
    ) -> ApiResult<Unsigned> {
        self.touch_row(conn, state, extend_minutes, add_factor, custom_claims)
            .await?;
        Ok(self.claims(state, member, org))
    }

    /// [`Session::touch`] without the JWT claims.
    pub async fn touch_row(
        &mut self,
        conn: &mut Conn,
        state: &AppState,
        extend_minutes: Option<i64>,
        add_factor: Option<Value>,
        custom_claims: Option<&Value>,
    ) -> ApiResult<()> {
        let now = state.clock.now_ts();
        self.last_accessed_at = now;
        if let Some(m) = extend_minutes {
            self.expires_at = now + 60 * m;
        }
        if let Some(f) = add_factor {
            crate::model::factor::merge(&mut self.factors, f);
        }
        merge_claims(&mut self.custom_claims, custom_claims)?;
        let done = crate::db::sql::query(
            "UPDATE member_sessions SET last_accessed_at = ?, expires_at = ?, factors = ?, custom_claims = ? \
             WHERE member_session_id = ? AND revoked_at IS NULL",
        )
        .bind(self.last_accessed_at)
        .bind(self.expires_at)
        .bind(serde_json::to_string(&self.factors)?)
        .bind(serde_json::to_string(&self.custom_claims)?)
        .bind(&self.member_session_id)
        .execute(conn)
        .await?;
        if done.rows_affected() != 1 {
            return Err(not_found());
        }
        Ok(())
    }

    pub async fn revoke(
        conn: &mut Conn,
        state: &AppState,
        member_session_id: &str,
    ) -> ApiResult<()> {
        crate::db::sql::query("UPDATE member_sessions SET revoked_at = ? WHERE member_session_id = ? AND revoked_at IS NULL")
            .bind(state.clock.now_ts())
            .bind(member_session_id)
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Revoke every live session of a member (password resets, sessions.revoke by member).
    pub async fn revoke_all(conn: &mut Conn, state: &AppState, member_id: &str) -> ApiResult<()> {
        crate::db::sql::query(
            "UPDATE member_sessions SET revoked_at = ? WHERE member_id = ? AND revoked_at IS NULL",
        )
        .bind(state.clock.now_ts())
        .bind(member_id)
        .execute(conn)
        .await?;
        Ok(())
    }

    /// All live sessions of a member, oldest first.
    pub async fn live_for_member(
        conn: &mut Conn,
        state: &AppState,
        member_id: &str,
    ) -> ApiResult<Vec<Session>> {
        let rows: Vec<Row> = crate::db::sql::query_as(&format!(
            "SELECT {COLUMNS} FROM member_sessions WHERE member_id = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY started_at, rowid"
        ))
        .bind(member_id)
        .bind(state.clock.now_ts())
        .fetch_all(conn)
        .await?;
        rows.into_iter().map(from_row).collect()
    }

    /// Does the session hold an MFA factor?
    pub fn has_mfa(&self) -> bool {
        self.factors.iter().any(crate::model::factor::is_mfa)
    }

    /// The MemberSession wire object.
    pub fn wire(&self, member: &Member, org: &Organization) -> Value {
        let mut v = json!({
            "member_session_id": self.member_session_id,
            "member_id": self.member_id,
            "organization_id": self.organization_id,
            "organization_slug": org.organization_slug,
            "started_at": rfc3339(self.started_at),
            "last_accessed_at": rfc3339(self.last_accessed_at),
            "expires_at": rfc3339(self.expires_at),
            "authentication_factors": self.factors,
            "roles": member.role_ids(),
        });
        if !self.custom_claims.is_empty() {
            v["custom_claims"] = Value::Object(self.custom_claims.clone());
        }
        v
    }

    /// A fresh 5-minute RS256 JWT for this session (§2.8), signed now: for requests whose writes
    /// are committed (or that made none).
    pub async fn jwt(
        &self,
        state: &AppState,
        member: &Member,
        org: &Organization,
        done: Committed,
    ) -> ApiResult<String> {
        self.claims(state, member, org).sign(state, done).await
    }

    /// The claims of a fresh 5-minute JWT for this session (§2.8), at the clock's current time.
    pub fn claims(&self, state: &AppState, member: &Member, org: &Organization) -> Unsigned {
        let now = state.clock.now_ts();
        let pid = &state.config.project_id;
        let mut claims = Map::new();
        for (k, v) in &self.custom_claims {
            claims.insert(k.clone(), v.clone());
        }
        let standard = json!({
            "sub": member.member_id,
            "aud": [pid],
            "iss": format!("stytch.com/{pid}"),
            "iat": now,
            "nbf": now,
            "exp": now + JWT_LIFETIME_SECONDS,
            "https://stytch.com/session": {
                "id": self.member_session_id,
                "started_at": rfc3339(self.started_at),
                "last_accessed_at": rfc3339(self.last_accessed_at),
                "expires_at": rfc3339(self.expires_at),
                "attributes": {"ip_address": "", "user_agent": ""},
                "authentication_factors": self.factors,
                "roles": member.role_ids(),
            },
            "https://stytch.com/organization": {
                "organization_id": org.organization_id,
                "slug": org.organization_slug,
            },
        });
        if let Value::Object(std_claims) = standard {
            claims.extend(std_claims);
        }
        Unsigned::new(Value::Object(claims))
    }
}
