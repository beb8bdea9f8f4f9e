//! What the HTTP figures share: the mock and the baseline side by side with the same generator
//! ([`compare`]), the rows they produce, and starting the in-process mock.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use mock_stytch::{Config, MockServer};
use tokio::runtime::Handle;

use crate::Plan;
use crate::baseline;
use crate::client::{Conn, Req};
use crate::load::{self, Replay};
use crate::report::{Report, Row};
use crate::stats::{Summary, Target, fmt_ms, fmt_rate, fmt_ratio, ratio};
use crate::world;

pub(crate) fn rate_cell(s: &Summary) -> String {
    format!(
        "{} · p50 {} · p99 {}",
        fmt_rate(s.throughput()),
        fmt_ms(s.p50_ms()),
        fmt_ms(s.p99_ms())
    )
}

/// Run `requests` against a baseline of the same response size and then the mock; add the row.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn compare(
    report: &mut Report,
    server: &Handle,
    mock: SocketAddr,
    plan: &Plan,
    figure: &str,
    requests: Vec<Req>,
    target: Target,
    p99_max_ms: Option<f64>,
) -> anyhow::Result<(Summary, Summary)> {
    let n = plan.spec.connections;
    let probe = Conn::connect(mock)
        .await?
        .ok(&requests[0])
        .await
        .with_context(|| format!("{figure}: probe"))?;
    let base = baseline::spawn(server, probe.len()).await?;
    let b = load::run(
        base.addr,
        plan.spec,
        Arc::new(Replay {
            requests: requests.clone(),
            connections: n,
        }),
    )
    .await?;
    drop(base);
    let m = load::run(
        mock,
        plan.spec,
        Arc::new(Replay {
            requests,
            connections: n,
        }),
    )
    .await?;
    add_ratio_row(report, figure, &m, &b, target, p99_max_ms, probe.len());
    Ok((m, b))
}

pub(crate) fn add_ratio_row(
    report: &mut Report,
    figure: &str,
    m: &Summary,
    b: &Summary,
    target: Target,
    p99_max_ms: Option<f64>,
    body_len: usize,
) {
    let r = ratio(m.throughput(), b.throughput());
    let (mut met, mut target_text) = match target {
        Target::RatioAtLeast(t) => (target.met(r), format!("≥ {t}× baseline")),
        Target::AtLeast(t) => (target.met(m.throughput()), format!("≥ {}", fmt_rate(t))),
        Target::OfLimit { fraction, limit } => (
            target.met(m.throughput()),
            format!(
                "≥ {fraction}× the RS256 limit {} (= {})",
                fmt_rate(limit),
                fmt_rate(fraction * limit)
            ),
        ),
        _ => (None, "– (context)".into()),
    };
    if let Some(p) = p99_max_ms {
        met = Some(met.unwrap_or(true) && m.p99_ms() <= p);
        target_text.push_str(&format!("; p99 ≤ {p} ms"));
    }
    if m.errors > 0 || m.ok == 0 {
        met = met.map(|_| false);
    }
    report.row(Row {
        figure: format!("{figure} ({body_len} B answer)"),
        mock: rate_cell(m),
        baseline: rate_cell(b),
        ratio: fmt_ratio(r),
        target: target_text,
        met,
    });
    for (who, s) in [("mock", m), ("baseline", b)] {
        if s.errors > 0 {
            report.note(format!(
                "{figure}: {} of {} {who} requests failed; first: {}",
                s.errors,
                s.errors + s.ok,
                s.first_error.as_deref().unwrap_or("?")
            ));
        }
    }
}

pub(crate) fn login_row(report: &mut Report, figure: &str, s: &Summary) {
    let met = Some(s.errors == 0 && s.throughput() >= 1000.0);
    report.row(Row {
        figure: figure.into(),
        mock: format!(
            "{} logins/s · p50 {} · p99 {}",
            fmt_rate(s.throughput()).trim_end_matches("/s"),
            fmt_ms(s.p50_ms()),
            fmt_ms(s.p99_ms())
        ),
        baseline: "–".into(),
        ratio: format!("{:.0} HTTP req/s", s.throughput() * 6.0),
        target: "≥ 1,000 logins/s".into(),
        met,
    });
    if s.errors > 0 {
        report.note(format!(
            "{figure}: {} logins failed; first: {}",
            s.errors,
            s.first_error.as_deref().unwrap_or("?")
        ));
    }
}

/// Start the in-process mock on the server runtime. `MockServer::spawn` is entered from a plain
/// thread with `Handle::block_on`, which (unlike `Handle::spawn`) does not need its future to be
/// `Send`; the server task it spawns lives on that runtime.
pub(crate) async fn spawn_mock(server: &Handle, config: Config) -> anyhow::Result<MockServer> {
    let handle = server.clone();
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("mock-start".into())
        .spawn(move || {
            let _ = tx.send(handle.block_on(MockServer::spawn(config)));
        })?;
    rx.await.context("mock start thread died")?
}

/// Probe whether the mock build has a route (other engineers were still adding some).
pub(crate) async fn routed(conn: &mut Conn, req: Req) -> bool {
    world::has_route(conn, &req).await.unwrap_or(false)
}
