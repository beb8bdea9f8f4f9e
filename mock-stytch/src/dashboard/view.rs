//! What the dashboard shows, read from the database at the virtual now, plus the newest
//! requests of the request log and the fault rules. Lists are bounded (the newest [`LIMIT`]
//! rows, [`REQUESTS`] requests) so a long-running mock still renders quickly. Reads only.

use crate::db::Conn;

use crate::clock::rfc3339;
use crate::error::ApiResult;
use crate::events::is_dashboard_read;
use crate::faults::store::RuleView;
use crate::model::outbox::{self, Filter, Message};
use crate::model::{Member, Organization, auth_token, lockout, totp};
use crate::state::{AppState, LogEntry};

/// Rows per list.
pub const LIMIT: i64 = 200;
/// Requests in the "last requests" panel.
pub const REQUESTS: usize = 20;

pub struct View {
    /// The change count ([`crate::events`]) read before anything else: the page shows at least
    /// this much, and its live script asks for events after it.
    pub version: u64,
    pub now: String,
    pub offset_seconds: i64,
    pub frozen: bool,
    pub organizations: Vec<Organization>,
    pub members: Vec<MemberRow>,
    /// Newest first.
    pub outbox: Vec<OutboxRow>,
    pub totp_codes: Vec<TotpCode>,
    pub sessions: Vec<SessionRow>,
    /// Newest first, without the dashboard's own reads; bodies as the request log keeps them
    /// (redacted by [`crate::redact`] when logged).
    pub requests: Vec<LogEntry>,
    /// In the order they are checked.
    pub faults: Vec<RuleView>,
}

pub struct MemberRow {
    pub member: Member,
    pub organization_slug: String,
    /// `active`, `pending` or empty: a pending registration is not in `member.totp_registration_id`.
    pub totp_status: String,
}

pub struct OutboxRow {
    pub message: Message,
    /// For an email carrying a link token: the full URL the email would contain.
    pub link: Option<String>,
}

pub struct TotpCode {
    pub email_address: String,
    pub organization_id: String,
    pub member_id: String,
    pub code: String,
    pub seconds_remaining: i64,
}

pub struct SessionRow {
    pub member_session_id: String,
    pub email_address: String,
    pub organization_slug: String,
    pub started_at: String,
    pub expires_at: String,
    pub factors: Vec<String>,
}

impl View {
    pub async fn load(conn: &mut Conn, state: &AppState) -> ApiResult<View> {
        let version = state.events.current();
        let now = state.clock.now_ts();
        let orgs: Vec<String> = crate::db::sql::query_scalar(
            "SELECT data FROM organizations ORDER BY created_seq LIMIT ?",
        )
        .bind(LIMIT)
        .fetch_all(&mut *conn)
        .await?;
        let organizations = orgs
            .iter()
            .map(|d| serde_json::from_str(d))
            .collect::<Result<Vec<Organization>, _>>()?;
        Ok(View {
            version,
            requests: last_requests(state),
            faults: state.faults.list(),
            now: rfc3339(now),
            offset_seconds: state.clock.offset(),
            frozen: state.config.frozen_clock.is_some(),
            members: members(conn, state).await?,
            outbox: outbox_rows(conn).await?,
            totp_codes: totp_codes(conn, now).await?,
            sessions: sessions(conn, now).await?,
            organizations,
        })
    }
}

/// The newest [`REQUESTS`] log entries that are not the dashboard reading itself.
fn last_requests(state: &AppState) -> Vec<LogEntry> {
    let log = state.request_log.lock().unwrap_or_else(|p| p.into_inner());
    log.iter()
        .rev()
        .filter(|e| !is_dashboard_read(&e.method, &e.path))
        .take(REQUESTS)
        .cloned()
        .collect()
}

async fn members(conn: &mut Conn, state: &AppState) -> ApiResult<Vec<MemberRow>> {
    let rows: Vec<(String, String, Option<String>)> = crate::db::sql::query_as(
        "SELECT m.data, o.organization_slug, t.status FROM members m \
         JOIN organizations o ON o.organization_id = m.organization_id \
         LEFT JOIN totp_registrations t ON t.member_id = m.member_id AND (t.status = 'active' OR t.expires_at > ?) \
         ORDER BY o.created_seq, m.created_seq LIMIT ?",
    )
    .bind(state.clock.now_ts())
    .bind(LIMIT)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (data, organization_slug, totp_status) in rows {
        let mut member: Member = serde_json::from_str(&data)?;
        lockout::reflect_expiry(state, &mut member);
        out.push(MemberRow {
            member,
            organization_slug,
            totp_status: totp_status.unwrap_or_default(),
        });
    }
    Ok(out)
}

async fn outbox_rows(conn: &mut Conn) -> ApiResult<Vec<OutboxRow>> {
    let messages = outbox::list(
        conn,
        &Filter {
            limit: Some(LIMIT),
            ..Filter::default()
        },
    )
    .await?;
    let mut out = Vec::with_capacity(messages.len());
    for message in messages {
        let link = match (&message.channel[..], &message.token) {
            ("email", Some(token)) => {
                let redirect = auth_token::redirect_url(conn, token).await?;
                Some(auth_token::link_url(
                    &message.kind,
                    redirect.as_deref(),
                    token,
                ))
            }
            _ => None,
        };
        out.push(OutboxRow { message, link });
    }
    Ok(out)
}

async fn totp_codes(conn: &mut Conn, now: i64) -> ApiResult<Vec<TotpCode>> {
    let rows: Vec<(String, String, String, String)> = crate::db::sql::query_as(
        "SELECT m.email_address, m.organization_id, m.member_id, t.secret FROM totp_registrations t \
         JOIN members m ON m.member_id = t.member_id JOIN organizations o ON o.organization_id = m.organization_id \
         WHERE t.status = 'active' ORDER BY o.created_seq, m.created_seq LIMIT ?",
    )
    .bind(LIMIT)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(email_address, organization_id, member_id, secret)| {
            Ok(TotpCode {
                email_address,
                organization_id,
                member_id,
                code: totp::code_at(&secret, now)?,
                seconds_remaining: totp::seconds_remaining(now),
            })
        })
        .collect()
}

async fn sessions(conn: &mut Conn, now: i64) -> ApiResult<Vec<SessionRow>> {
    let rows: Vec<(String, String, String, i64, i64, String)> = crate::db::sql::query_as(
        "SELECT s.member_session_id, m.email_address, o.organization_slug, s.started_at, s.expires_at, s.factors \
         FROM member_sessions s JOIN members m ON m.member_id = s.member_id \
         JOIN organizations o ON o.organization_id = s.organization_id \
         WHERE s.revoked_at IS NULL AND s.expires_at > ? ORDER BY s.started_at DESC, s.rowid DESC LIMIT ?",
    )
    .bind(now)
    .bind(LIMIT)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(
            |(member_session_id, email_address, organization_slug, started, expires, factors)| {
                let factors: Vec<serde_json::Value> = serde_json::from_str(&factors)?;
                Ok(SessionRow {
                    member_session_id,
                    email_address,
                    organization_slug,
                    started_at: rfc3339(started),
                    expires_at: rfc3339(expires),
                    factors: factors
                        .iter()
                        .filter_map(|f| f["type"].as_str().map(str::to_owned))
                        .collect(),
                })
            },
        )
        .collect()
}
