//! Figures of the release `mock-stytch` binary in its own process: cold start, idle RSS, and the
//! scale figures (seeding 100k members through the API, then member get and login at both sizes).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::Plan;
use crate::client::{Conn, Req};
use crate::load::{self, Replay};
use crate::process;
use crate::report::{Report, Row};
use crate::stats::{Target, fmt_count, fmt_mb, fmt_ms, fmt_rate, fmt_ratio, median, ratio};
use crate::world::{self, Login, MemberRef};

pub(crate) async fn binary_figures(
    report: &mut Report,
    plan: &Plan,
    bin: &std::path::Path,
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    report.section(
        "Cold start and memory (release `mock-stytch` binary, its own process)",
        "Cold start: from spawning the process to the first 200 on a real endpoint over a new \
         connection (existing database: `GET /v1/b2b/organizations/{id}`; fresh database, \
         signing-key generation included: `POST /v1/b2b/organizations`).",
        ["figure", "mock", "samples", "", "target", "verdict"],
    );

    // Existing database: made once, then reopened.
    let existing = dir.path().join("existing.db");
    let p = process::MockProcess::start(bin, &existing, 7).await?;
    let org = {
        let mut c = Conn::connect(p.addr).await?;
        world::create_org(&mut c, "cold-start", "OPTIONAL").await?
    };
    p.stop().await?;
    let get = Req::get(format!("/v1/b2b/organizations/{org}"));
    let mut warm_ms = Vec::new();
    let mut idle_rss = 0;
    for i in 0..plan.cold_runs {
        let t0 = Instant::now();
        let p = process::MockProcess::start(bin, &existing, 7).await?;
        Conn::connect(p.addr).await?.ok(&get).await?;
        warm_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
        if i + 1 == plan.cold_runs {
            tokio::time::sleep(Duration::from_millis(500)).await;
            idle_rss = p.rss_kib()?;
        }
        p.stop().await?;
    }
    let mut fresh_ms = Vec::new();
    for i in 0..plan.cold_runs {
        let db = dir.path().join(format!("fresh-{i}.db"));
        let create = Req::post(
            "/v1/b2b/organizations",
            &json!({"organization_name": "Fresh", "organization_slug": "fresh"}),
        );
        let t0 = Instant::now();
        let p = process::MockProcess::start(bin, &db, 1000 + i as u64).await?;
        Conn::connect(p.addr).await?.ok(&create).await?;
        fresh_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
        p.stop().await?;
    }
    let spread = |v: &[f64]| {
        let (lo, hi) = v
            .iter()
            .fold((f64::MAX, 0f64), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
        format!("{} runs, {}–{}", v.len(), fmt_ms(lo), fmt_ms(hi))
    };
    for (figure, v, limit) in [
        (
            "cold start to first 200, existing database (median)",
            &warm_ms,
            50.0,
        ),
        (
            "cold start to first 200, fresh database (median)",
            &fresh_ms,
            150.0,
        ),
    ] {
        let med = median(v).unwrap_or(f64::MAX);
        report.row(Row {
            figure: figure.into(),
            mock: fmt_ms(med),
            baseline: spread(v),
            ratio: "–".into(),
            target: format!("≤ {limit} ms"),
            met: Target::AtMost(limit).met(med),
        });
    }
    report.row(Row {
        figure: "idle RSS (existing database, after one request)".into(),
        mock: fmt_mb(idle_rss),
        baseline: "–".into(),
        ratio: "–".into(),
        target: "≤ 30 MB".into(),
        met: Target::AtMost(30.0 * 1024.0).met(idle_rss as f64),
    });

    scale_figures(report, plan, bin, &dir.path().join("scale.db")).await
}

pub(crate) async fn scale_figures(
    report: &mut Report,
    plan: &Plan,
    bin: &std::path::Path,
    db: &std::path::Path,
) -> anyhow::Result<()> {
    let n = plan.spec.connections;
    let total = plan.scale_orgs * plan.scale_per_org;
    let p = process::MockProcess::start(bin, db, 9).await?;
    let addr = p.addr;
    let t_orgs = Instant::now();
    let orgs = world::create_orgs(addr, "scale", plan.scale_orgs, "REQUIRED_FOR_ALL", n).await?;
    let t_orgs = t_orgs.elapsed();
    let seed_deadline = Instant::now() + plan.seed_budget;
    let (first, t_first) = world::seed_members(addr, &orgs, 0, 1, n, seed_deadline).await?;

    let mut conn = Conn::connect(addr).await?;
    let (key, validation) = world::jwt_verifier(&mut conn).await?;
    let gets = |ms: &[MemberRef]| -> Vec<Req> {
        ms.iter()
            .map(|m| {
                Req::get(format!(
                    "/v1/b2b/organizations/{}/member?member_id={}",
                    m.organization_id, m.member_id
                ))
            })
            .collect()
    };
    let get_small = load::run(
        addr,
        plan.spec,
        Arc::new(Replay {
            requests: gets(&first),
            connections: n,
        }),
    )
    .await?;
    let login_small = load::run(
        addr,
        plan.spec,
        Arc::new(Login::new(
            first.clone(),
            n,
            key.clone(),
            validation.clone(),
        )),
    )
    .await?;

    let seed_deadline = Instant::now() + plan.seed_budget.saturating_sub(t_first);
    let (rest, t_rest) =
        world::seed_members(addr, &orgs, 1, plan.scale_per_org - 1, n, seed_deadline).await?;
    let seeded = t_first + t_rest;
    if first.len() + rest.len() < total {
        report.note(format!(
            "seeding stopped at its {:.0} s time bound after {} of {} members: the large size below is {}",
            plan.seed_budget.as_secs_f64(),
            fmt_count((first.len() + rest.len()) as u64),
            fmt_count(total as u64),
            fmt_count((first.len() + rest.len()) as u64)
        ));
    }
    let total_wanted = total;
    let total = first.len() + rest.len();
    let rss_seeded = p.rss_kib()?;
    let all: Vec<MemberRef> = first.iter().chain(rest.iter()).cloned().collect();
    let spread: Vec<MemberRef> = all
        .iter()
        .step_by((all.len() / first.len()).max(1))
        .cloned()
        .collect();
    let get_big = load::run(
        addr,
        plan.spec,
        Arc::new(Replay {
            requests: gets(&spread),
            connections: n,
        }),
    )
    .await?;
    let login_big = load::run(
        addr,
        plan.spec,
        Arc::new(Login::new(first.clone(), n, key, validation)),
    )
    .await?;
    let rss_after = p.rss_kib()?;
    p.stop().await?;

    let label = |k: usize| {
        if k >= 1000 {
            format!("{}k", k / 1000)
        } else {
            k.to_string()
        }
    };
    let (small, big) = (label(first.len()), label(total));
    report.row(Row {
        figure: format!(
            "RSS after seeding {} members (and after the figures below)",
            fmt_count(total as u64)
        ),
        mock: format!("{} ({})", fmt_mb(rss_seeded), fmt_mb(rss_after)),
        baseline: "–".into(),
        ratio: "–".into(),
        target: "≤ 150 MB (judged at 100k)".into(),
        met: if total >= 100_000 {
            Target::AtMost(150.0 * 1024.0).met(rss_seeded.max(rss_after) as f64)
        } else {
            None
        },
    });

    report.section(
        &format!(
            "Scale: {small} vs {big} members across {} organizations (release binary)",
            fmt_count(orgs.len() as u64)
        ),
        "Same load generator and connection count; member get spreads over the whole member set, \
         logins use the same 1 member per organization at both sizes.",
        [
            "figure",
            "at the small size (p50, throughput)",
            "at the large size",
            "growth",
            "target",
            "verdict",
        ],
    );
    report.row(Row {
        figure: format!(
            "seed {} members through the API ({n} connections)",
            fmt_count(total as u64)
        ),
        mock: format!(
            "{:.1} s ({})",
            seeded.as_secs_f64(),
            fmt_rate(crate::stats::per_second(total as u64, seeded))
        ),
        baseline: format!(
            "+ {} organizations in {:.1} s",
            fmt_count(orgs.len() as u64),
            t_orgs.as_secs_f64()
        ),
        ratio: "–".into(),
        target: "< 60 s (for 100k)".into(),
        met: if total_wanted >= 100_000 {
            // Judged on the rate when the time bound cut seeding short.
            Target::AtMost(60.0).met(seeded.as_secs_f64() * 100_000.0 / total.max(1) as f64)
        } else {
            None
        },
    });
    for (figure, a, b) in [
        ("members get p50", &get_small, &get_big),
        ("full login p50", &login_small, &login_big),
    ] {
        let growth = ratio(b.p50_ms(), a.p50_ms());
        let mut met = if total >= 100_000 {
            Target::AtMost(1.5).met(growth)
        } else {
            None
        };
        if a.errors + b.errors > 0 {
            met = Some(false);
            report.note(format!(
                "{figure}: errors at scale; first: {}",
                a.first_error
                    .as_deref()
                    .or(b.first_error.as_deref())
                    .unwrap_or("?")
            ));
        }
        report.row(Row {
            figure: figure.into(),
            mock: format!("{} ({})", fmt_ms(a.p50_ms()), fmt_rate(a.throughput())),
            baseline: format!("{} ({})", fmt_ms(b.p50_ms()), fmt_rate(b.throughput())),
            ratio: fmt_ratio(growth),
            target: "≤ 1.5× (judged at 100k)".into(),
            met,
        });
    }
    if total_wanted < 100_000 {
        report.note(format!("--quick scales to {big} members, not 100k: the seeding and RSS targets are judged only in the default mode"));
    }
    Ok(())
}
