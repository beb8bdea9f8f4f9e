//! The in-process mock's HTTP figures: member get, full logins, sessions/authenticate, SMS send
//! and TOTP step-up, each beside a bare axum baseline of the same answer size.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use mock_control::path;
use mock_stytch::{Config, DbLocation};
use serde_json::json;
use tokio::runtime::Handle;

use crate::Plan;
use crate::baseline;
use crate::client::{Conn, Req, field};
use crate::compare::{add_ratio_row, compare, login_row, routed, spawn_mock};
use crate::load::{self, Replay};
use crate::offline::Rs256Limit;
use crate::passwords;
use crate::report::{FIGURE_HEADERS, Report, Row};
use crate::stats::Target;
use crate::world::{self, Login, SessionRef, TotpAuth};

pub(crate) async fn in_process(
    report: &mut Report,
    plan: &Plan,
    server: &Handle,
    rs256: Rs256Limit,
) -> anyhow::Result<()> {
    let n = plan.spec.connections;
    let dir = tempfile::tempdir()?;
    let config = Config {
        db: DbLocation::File(dir.path().join("mock.db")),
        seed: Some(42),
        ..Config::default()
    };
    let mock = spawn_mock(server, config).await?;
    let addr = mock.addr;
    report.section(
        "Throughput against the physical limit (in-process mock, file-backed SQLite)",
        "Each row: the same requests over the same 50 keep-alive connections, first to a bare axum \
         server answering a fixed body of the mock's answer size, then to the mock.",
        FIGURE_HEADERS,
    );
    report.row(Row {
        figure: "RS256 limit of this machine (cores × one core's aws-lc-rs signatures/s, the mock's signer, no HTTP)"
            .into(),
        mock: rs256.describe(),
        baseline: "–".into(),
        ratio: "–".into(),
        target: "the session and TOTP rows are judged against it".into(),
        met: None,
    });

    let orgs = world::create_orgs(addr, "bench", 1, "REQUIRED_FOR_ALL", 1).await?;
    let far = Instant::now() + Duration::from_secs(120);
    let (members, _) = world::seed_members(addr, &orgs, 0, plan.world_members, n, far).await?;
    let gets: Vec<Req> = members
        .iter()
        .map(|m| {
            Req::get(format!(
                "/v1/b2b/organizations/{}/member?member_id={}",
                m.organization_id, m.member_id
            ))
        })
        .collect();
    compare(
        report,
        server,
        addr,
        plan,
        "members get",
        gets,
        Target::RatioAtLeast(0.5),
        Some(10.0),
    )
    .await?;

    let mut conn = Conn::connect(addr).await?;
    let have_login = routed(
        &mut conn,
        Req::post("/v1/b2b/magic_links/email/login_or_signup", &json!({})),
    )
    .await
        && routed(
            &mut conn,
            Req::post("/v1/b2b/otps/sms/authenticate", &json!({})),
        )
        .await
        && routed(
            &mut conn,
            Req::get(format!(
                "/v1/b2b/sessions/jwks/{}",
                mock_stytch::config::DEFAULT_PROJECT_ID
            )),
        )
        .await;
    if !have_login {
        report.note("magic links / SMS OTP / JWKS routes are not in this build: login, session, SMS and TOTP figures skipped");
        mock.stop().await?;
        return Ok(());
    }

    // Full logins: the figure, and the sessions every later figure uses.
    let (key, validation) = world::jwt_verifier(&mut conn).await?;
    let login = Arc::new(Login::new(members.clone(), n, key, validation));
    let s = load::run(addr, plan.spec, login.clone()).await?;
    login_row(
        report,
        "full required-MFA login over HTTP (6 requests + local JWT verify)",
        &s,
    );
    top_up_sessions(addr, &login, plan.totp_pool).await?;
    let sessions: Vec<SessionRef> = login
        .sessions
        .lock()
        .await
        .iter()
        .flatten()
        .cloned()
        .collect();

    if routed(
        &mut conn,
        Req::post("/v1/b2b/sessions/authenticate", &json!({})),
    )
    .await
    {
        let by_token = sessions
            .iter()
            .map(|s| {
                Req::post(
                    "/v1/b2b/sessions/authenticate",
                    &json!({"session_token": s.token}),
                )
            })
            .collect();
        compare(
            report,
            server,
            addr,
            plan,
            "sessions/authenticate by session_token",
            by_token,
            Target::OfLimit {
                fraction: 0.7,
                limit: rs256.per_sec(),
            },
            None,
        )
        .await?;
        let by_jwt = sessions
            .iter()
            .map(|s| {
                Req::post(
                    "/v1/b2b/sessions/authenticate",
                    &json!({"session_jwt": s.jwt}),
                )
            })
            .collect();
        compare(
            report,
            server,
            addr,
            plan,
            "sessions/authenticate by session_jwt",
            by_jwt,
            Target::OfLimit {
                fraction: 0.7,
                limit: rs256.per_sec(),
            },
            None,
        )
        .await?;
    } else {
        report.note("sessions/authenticate is not in this build: its figures are skipped");
    }

    let sends = sessions
        .iter()
        .map(|s| {
            Req::post(
                "/v1/b2b/otps/sms/send",
                &json!({"organization_id": s.member.organization_id, "member_id": s.member.member_id}),
            )
        })
        .collect();
    compare(
        report,
        server,
        addr,
        plan,
        "otps/sms/send (challenge to a verified phone)",
        sends,
        Target::RatioAtLeast(0.3),
        Some(10.0),
    )
    .await?;

    totp_figure(report, plan, server, addr, &login, rs256).await?;
    passwords::figure(report, plan, server, addr).await?;
    drop(conn);
    mock.stop().await?;
    Ok(())
}

/// Log in (unmeasured) every member among the first `count` that has no session yet.
pub(crate) async fn top_up_sessions(
    addr: SocketAddr,
    login: &Arc<Login>,
    count: usize,
) -> anyhow::Result<()> {
    let n = login.connections;
    let mut tasks = Vec::new();
    for w in 0..n {
        let login = login.clone();
        let mut conn = Conn::connect(addr).await?;
        tasks.push(tokio::spawn(async move {
            for i in (w..count.min(login.members.len())).step_by(n) {
                if login.sessions.lock().await[i].is_none() {
                    let s = login.login(&mut conn, &login.members[i]).await?;
                    login.sessions.lock().await[i] = Some(s);
                }
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(())
}

pub(crate) async fn totp_figure(
    report: &mut Report,
    plan: &Plan,
    server: &Handle,
    addr: SocketAddr,
    login: &Arc<Login>,
    rs256: Rs256Limit,
) -> anyhow::Result<()> {
    let n = plan.spec.connections;
    let mut conn = Conn::connect(addr).await?;
    if !routed(&mut conn, Req::post("/v1/b2b/totp/migrate", &json!({}))).await {
        report.note("totp routes are not in this build: the TOTP figure is skipped");
        return Ok(());
    }
    let pool: Vec<SessionRef> = login
        .sessions
        .lock()
        .await
        .iter()
        .take(plan.totp_pool)
        .map(|s| s.clone().context("session missing"))
        .collect::<Result<_, _>>()?;
    let mut members = Vec::with_capacity(pool.len());
    for (i, s) in pool.iter().enumerate() {
        members.push(world::migrate_totp(&mut conn, s, i).await?);
    }
    // Align the virtual clock just after a 30 s step boundary so the run stays inside one step.
    let now = chrono::DateTime::parse_from_rfc3339(&field(
        &conn.json(&Req::get(path::CLOCK)).await?,
        "/now",
    )?)?
    .timestamp();
    let target = (now / 30 + 1) * 30 + 1;
    let at = chrono::DateTime::from_timestamp(target, 0)
        .context("clock")?
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    conn.ok(&Req::post(path::CLOCK, &json!({"now": at})))
        .await?;
    let op = Arc::new(TotpAuth {
        members,
        connections: n,
        step: (target / 30) as u64,
        body_len: Default::default(),
    });
    let m = load::run(addr, plan.spec, op.clone()).await?;
    let len = op.body_len.load(std::sync::atomic::Ordering::Relaxed);

    // The baseline gets the same request shapes (codes differ, sizes do not) and the answer size
    // the mock gave; it runs after the mock because the mock's pool of member-steps is single-use.
    let replay: Vec<Req> = (0..n as u64 * 3)
        .filter_map(|i| op.request((i % n as u64) as usize, i / n as u64))
        .collect();
    let base = baseline::spawn(server, len).await?;
    let b = load::run(
        base.addr,
        plan.spec,
        Arc::new(Replay {
            requests: replay,
            connections: n,
        }),
    )
    .await?;
    drop(base);
    add_ratio_row(
        report,
        "totp/authenticate (step-up on a session)",
        &m,
        &b,
        Target::OfLimit {
            fraction: 0.6,
            limit: rs256.per_sec(),
        },
        None,
        len,
    );
    if m.elapsed < plan.spec.duration / 2 {
        report.note(format!(
            "totp/authenticate: the pool of {} single-use member-steps ran out after {:.1} s of the measured window",
            op.members.len() * 3,
            m.elapsed.as_secs_f64()
        ));
    }
    Ok(())
}
