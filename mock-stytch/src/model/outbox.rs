//! The outbox: every email and SMS the real Stytch would have delivered, newest first.
//!
//! Flows that "send" something call [`send`] inside their write transaction, so a message exists
//! exactly when the token or code it carries does. Tests and the dashboard read it through
//! `/_mock/outbox`; nothing is ever delivered anywhere.

use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;

use crate::error::ApiResult;
use crate::state::AppState;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Message {
    pub id: String,
    /// `email` or `sms`.
    pub channel: String,
    pub to: String,
    pub organization_id: Option<String>,
    pub member_id: Option<String>,
    /// What it carries: `magic_link_login`, `magic_link_signup`, `magic_link_invite`,
    /// `password_reset`, `sms_otp`, ...
    pub kind: String,
    pub token: Option<String>,
    pub code: Option<String>,
    pub sent_at: String,
}

/// What to put in the outbox; the id and time are filled in by [`send`].
pub struct Outgoing<'a> {
    pub channel: &'a str,
    pub to: &'a str,
    pub organization_id: Option<&'a str>,
    pub member_id: Option<&'a str>,
    pub kind: &'a str,
    pub token: Option<&'a str>,
    pub code: Option<&'a str>,
}

pub async fn send(
    conn: &mut SqliteConnection,
    state: &AppState,
    msg: Outgoing<'_>,
) -> ApiResult<String> {
    let id = state.ids.id("message");
    sqlx::query(
        "INSERT INTO outbox (id, channel, recipient, organization_id, member_id, kind, token, code, sent_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(msg.channel)
    .bind(msg.to)
    .bind(msg.organization_id)
    .bind(msg.member_id)
    .bind(msg.kind)
    .bind(msg.token)
    .bind(msg.code)
    .bind(state.clock.now_ts())
    .execute(conn)
    .await?;
    Ok(id)
}

#[derive(Debug, Default, Deserialize)]
pub struct Filter {
    pub to: Option<String>,
    pub channel: Option<String>,
    pub organization_id: Option<String>,
    pub member_id: Option<String>,
    pub kind: Option<String>,
    pub limit: Option<i64>,
}

/// id, channel, recipient, organization_id, member_id, kind, token, code, sent_at.
type MessageRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    i64,
);

/// Messages matching every given filter, newest first.
pub async fn list(conn: &mut SqliteConnection, f: &Filter) -> ApiResult<Vec<Message>> {
    let rows: Vec<MessageRow> =
        sqlx::query_as(
            "SELECT id, channel, recipient, organization_id, member_id, kind, token, code, sent_at FROM outbox \
             WHERE (?1 IS NULL OR recipient = ?1) AND (?2 IS NULL OR channel = ?2) \
             AND (?3 IS NULL OR organization_id = ?3) AND (?4 IS NULL OR member_id = ?4) \
             AND (?5 IS NULL OR kind = ?5) ORDER BY seq DESC LIMIT ?6",
        )
        .bind(f.to.as_ref().map(|s| s.to_ascii_lowercase()))
        .bind(&f.channel)
        .bind(&f.organization_id)
        .bind(&f.member_id)
        .bind(&f.kind)
        .bind(f.limit.unwrap_or(1000).clamp(1, 10_000))
        .fetch_all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, channel, to, organization_id, member_id, kind, token, code, sent_at)| Message {
                id,
                channel,
                to,
                organization_id,
                member_id,
                kind,
                token,
                code,
                sent_at: crate::clock::rfc3339(sent_at),
            },
        )
        .collect())
}
