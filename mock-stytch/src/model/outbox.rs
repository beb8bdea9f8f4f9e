//! The outbox: every email and SMS the real Stytch would have delivered, newest first.
//!
//! Flows that "send" something call [`send`] inside their write transaction, so a message exists
//! exactly when the token or code it carries does. Tests and the dashboard read it through
//! `/_mock/outbox`; nothing is ever delivered anywhere.

use crate::db::Conn;
use serde::{Deserialize, Serialize};

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

pub async fn send(conn: &mut Conn, state: &AppState, msg: Outgoing<'_>) -> ApiResult<String> {
    let id = state.ids.id("message");
    crate::db::sql::query(
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

/// Messages matching every given filter, newest first. Only the filters given appear in the
/// statement (an `? IS NULL OR column = ?` term would keep SQLite from using an index), and each
/// has an index ending in `seq` (migration 0005), so a filtered read does not grow with the
/// outbox.
pub async fn list(conn: &mut Conn, f: &Filter) -> ApiResult<Vec<Message>> {
    let to = f.to.as_ref().map(|s| s.to_ascii_lowercase());
    let (sql, values) = statement(f, to.as_deref());
    let mut query = crate::db::sql::query_as::<MessageRow>(&sql);
    for v in values {
        query = query.bind(v);
    }
    let rows = query
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

/// The SELECT for `f` (recipient `to`, already lower-cased) and the values to bind, then the
/// limit. The most selective filter given drives the read through its index; the others are
/// written `+column = ?`, which SQLite does not serve from an index. Without that, a read by
/// member and channel may walk the channel index (every SMS ever sent, newest first) instead of
/// the member's: measured 240× slower at 100k messages.
fn statement<'a>(f: &'a Filter, to: Option<&'a str>) -> (String, Vec<&'a str>) {
    // Most selective first: each has an index ending in seq (migrations 0001 and 0005).
    let filters = [
        ("member_id", f.member_id.as_deref()),
        ("recipient", to),
        ("organization_id", f.organization_id.as_deref()),
        ("kind", f.kind.as_deref()),
        ("channel", f.channel.as_deref()),
    ];
    let mut sql = String::from(
        "SELECT id, channel, recipient, organization_id, member_id, kind, token, code, sent_at FROM outbox",
    );
    let mut values = Vec::new();
    for (column, value) in filters {
        if let Some(v) = value {
            let (glue, unindexed) = if values.is_empty() {
                ("WHERE", "")
            } else {
                ("AND", "+")
            };
            sql.push_str(&format!(" {glue} {unindexed}{column} = ?"));
            values.push(v);
        }
    }
    sql.push_str(" ORDER BY seq DESC LIMIT ?");
    (sql, values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DbLocation;
    use crate::db::Db;

    #[tokio::test]
    async fn every_filter_reads_through_its_own_index() {
        let db = Db::open(&DbLocation::Memory).await.unwrap();
        let filter = |to: Option<&str>,
                      member: Option<&str>,
                      org: Option<&str>,
                      channel: Option<&str>,
                      kind: Option<&str>| Filter {
            to: to.map(Into::into),
            member_id: member.map(Into::into),
            organization_id: org.map(Into::into),
            channel: channel.map(Into::into),
            kind: kind.map(Into::into),
            limit: None,
        };
        let (to, m, o) = (
            Some("+14155552671"),
            Some("member-test-1"),
            Some("organization-test-1"),
        );
        let (sms, otp) = (Some("sms"), Some("sms_otp"));
        let cases = [
            (filter(to, None, None, None, None), "outbox_by_recipient"),
            (filter(None, m, None, None, None), "outbox_by_member"),
            (filter(None, None, o, None, None), "outbox_by_organization"),
            (filter(None, None, None, sms, None), "outbox_by_channel"),
            (filter(None, None, None, None, otp), "outbox_by_kind"),
            // what tests ask most: the member's newest SMS / message of a kind
            (filter(None, m, None, sms, None), "outbox_by_member"),
            (filter(None, m, None, None, otp), "outbox_by_member"),
            (filter(to, None, None, sms, otp), "outbox_by_recipient"),
            (filter(None, m, o, sms, otp), "outbox_by_member"),
        ];
        for (f, index) in &cases {
            let (sql, values) = statement(f, f.to.as_deref());
            let explain = format!("EXPLAIN QUERY PLAN {sql}");
            let mut q = crate::db::sql::query_as::<(i64, i64, i64, String)>(&explain);
            for v in values {
                q = q.bind(v);
            }
            let plan: Vec<String> = q
                .bind(10)
                .fetch_all(&mut db.pool.get().unwrap())
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.3)
                .collect();
            assert!(
                plan.iter()
                    .any(|d| d.contains(&format!("USING INDEX {index} "))),
                "{sql}: {plan:?}"
            );
            assert!(
                !plan.iter().any(|d| d.contains("TEMP B-TREE")),
                "{sql} sorts: {plan:?}"
            );
        }
    }
}
