//! The outbox figure (issue 16): a filtered outbox read (`mock_control::path::OUTBOX`) after 1k and after 100k
//! messages, same answers at both sizes. Tests read their codes and links this way, so a read
//! must not slow down as a long test run fills the outbox.
//!
//! The messages are written straight into the mock's `outbox` table (one transaction per batch,
//! the mock's own schema) because sending 100k SMS through the API would take minutes: the figure
//! is about the read. The probe recipients' messages are written first, so the filler after them
//! is what a read that scans (instead of using an index) would have to walk through.

use std::sync::Arc;
use std::time::Duration;

use mock_control::{Channel, OutboxFilter, path};
use mock_stytch::{Config, DbLocation};
use tokio::runtime::Handle;

use crate::Plan;
use crate::client::Req;
use crate::compare::spawn_mock;
use crate::load::{self, Replay};
use crate::report::{Report, Row};
use crate::stats::{Target, fmt_ms, fmt_rate, fmt_ratio, ratio};
use crate::world::outbox_read;

/// Recipients whose messages the reads ask for, and messages each.
const PROBES: usize = 50;
const PER_PROBE: usize = 10;
pub const SMALL: usize = 1_000;
pub const LARGE: usize = 100_000;

/// Insert messages `from..to` (numbering the whole outbox): the first `PROBES * PER_PROBE` go to
/// the probe recipients, the rest to filler recipients.
async fn insert(pool: &sqlx::SqlitePool, from: usize, to: usize) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    for i in from..to {
        let (recipient, member) = if i < PROBES * PER_PROBE {
            let p = i % PROBES;
            (format!("+1415555{p:04}"), format!("member-test-probe-{p}"))
        } else {
            (
                format!("+1650555{:04}", i % 10_000),
                format!("member-test-filler-{i}"),
            )
        };
        sqlx::query(
            "INSERT INTO outbox (id, channel, recipient, organization_id, member_id, kind, token, code, sent_at) \
             VALUES (?, 'sms', ?, 'organization-test-bench', ?, 'sms_otp', NULL, '123456', 1893456000)",
        )
        .bind(format!("message-test-bench-{i}"))
        .bind(recipient)
        .bind(member)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The reads: by recipient, and by member and channel (what the SMS helpers of tests ask).
fn reads() -> Vec<Req> {
    (0..PROBES)
        .flat_map(|p| {
            [
                outbox_read(&OutboxFilter::to(format!("+1415555{p:04}")).limit(20)),
                outbox_read(
                    &OutboxFilter::member(format!("member-test-probe-{p}"))
                        .channel(Channel::Sms)
                        .limit(20),
                ),
            ]
        })
        .collect()
}

pub(crate) async fn figure(
    report: &mut Report,
    plan: &Plan,
    server: &Handle,
) -> anyhow::Result<()> {
    let n = plan.spec.connections;
    let dir = tempfile::tempdir()?;
    let config = Config {
        db: DbLocation::File(dir.path().join("outbox.db")),
        seed: Some(42),
        ..Config::default()
    };
    let mock = spawn_mock(server, config).await?;
    let pool = mock.state.db.sqlx.clone();
    let run = |pool: sqlx::SqlitePool, from, to| {
        server.spawn(async move { insert(&pool, from, to).await })
    };
    run(pool.clone(), 0, SMALL).await??;
    let op = || {
        Arc::new(Replay {
            requests: reads(),
            connections: n,
        })
    };
    let small = load::run(mock.addr, plan.spec, op()).await?;
    for from in (SMALL..LARGE).step_by(10_000) {
        run(pool.clone(), from, (from + 10_000).min(LARGE)).await??;
    }
    // Let the WAL settle (a checkpoint may follow the bulk insert) before measuring.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let large = load::run(mock.addr, plan.spec, op()).await?;
    mock.stop().await?;

    report.section(
        "Outbox reads: 1k vs 100k messages (in-process mock)",
        &format!(
            "Filtered `GET {}` (`to=…` and `member_id=…&channel=sms`, 10 messages each at \
             both sizes) with the same generator and connections; the 99k extra messages are \
             newer than the ones asked for.",
            path::OUTBOX
        ),
        [
            "figure",
            "after 1k messages (p50, throughput)",
            "after 100k",
            "growth",
            "target",
            "verdict",
        ],
    );
    let growth = ratio(large.p50_ms(), small.p50_ms());
    let errors = small.errors + large.errors;
    report.row(Row {
        figure: "filtered outbox read p50".into(),
        mock: format!(
            "{} ({})",
            fmt_ms(small.p50_ms()),
            fmt_rate(small.throughput())
        ),
        baseline: format!(
            "{} ({})",
            fmt_ms(large.p50_ms()),
            fmt_rate(large.throughput())
        ),
        ratio: fmt_ratio(growth),
        target: "≤ 1.5×".into(),
        met: Target::AtMost(1.5).met(growth).map(|m| m && errors == 0),
    });
    if errors > 0 {
        report.note(format!(
            "outbox reads: {errors} errors; first: {}",
            small
                .first_error
                .as_deref()
                .or(large.first_error.as_deref())
                .unwrap_or("?")
        ));
    }
    Ok(())
}
