//! The password-login figure (issue 16): `passwords/authenticate` into an OPTIONAL organization
//! (a session and a JWT every time), with the member's own password — one the mock hashed itself
//! at its default cost, set through the email reset flow — over the generator's connections.
//!
//! Every member gets the same strong password; each connection logs in its own slice of members,
//! so the figure measures hashing, signing and the write path, not contention on one member.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context;
use mock_control::{MessageKind, OutboxFilter};
use serde_json::json;
use tokio::runtime::Handle;

use crate::Plan;
use crate::client::{Conn, Req, field};
use crate::compare::{compare, routed};
use crate::report::Report;
use crate::stats::Target;
use crate::world::{self, MemberRef};

/// Strong enough for the mock's zxcvbn check (score ≥ 3).
pub const PASSWORD: &str = "correct-horse-battery-staple-bench-9!";

/// Members per connection: each login mints a session for its member, spread over a few.
const MEMBERS_PER_CONNECTION: usize = 2;

/// Set `m`'s password the way a user does: reset start → the link from the outbox → reset.
pub async fn set_password(conn: &mut Conn, m: &MemberRef) -> anyhow::Result<()> {
    let org = &m.organization_id;
    conn.ok(&Req::post(
        "/v1/b2b/passwords/email/reset/start",
        &json!({"organization_id": org, "email_address": m.email}),
    ))
    .await?;
    let filter = OutboxFilter::member(&m.member_id)
        .kind(MessageKind::PasswordReset)
        .limit(1);
    let v = conn.json(&world::outbox_read(&filter)).await?;
    let token = field(&v, "/messages/0/token").context("no password reset message")?;
    conn.ok(&Req::post(
        "/v1/b2b/passwords/email/reset",
        &json!({"password_reset_token": token, "password": PASSWORD}),
    ))
    .await?;
    Ok(())
}

pub(crate) async fn figure(
    report: &mut Report,
    plan: &Plan,
    server: &Handle,
    addr: SocketAddr,
) -> anyhow::Result<()> {
    let n = plan.spec.connections;
    let mut conn = Conn::connect(addr).await?;
    if !routed(
        &mut conn,
        Req::post("/v1/b2b/passwords/authenticate", &json!({})),
    )
    .await
    {
        report.note("passwords/authenticate is not in this build: the password figure is skipped");
        return Ok(());
    }
    let orgs = world::create_orgs(addr, "bench-passwords", 1, "OPTIONAL", 1).await?;
    let far = Instant::now() + Duration::from_secs(120);
    let (members, _) =
        world::seed_members(addr, &orgs, 0, n * MEMBERS_PER_CONNECTION, n, far).await?;
    for m in &members {
        set_password(&mut conn, m).await?;
    }
    let logins: Vec<Req> = members
        .iter()
        .map(|m| {
            Req::post(
                "/v1/b2b/passwords/authenticate",
                &json!({"organization_id": m.organization_id, "email_address": m.email, "password": PASSWORD}),
            )
        })
        .collect();
    let probe = conn.json(&logins[0]).await?;
    if field(&probe, "/session_jwt")?.is_empty() {
        anyhow::bail!(
            "passwords/authenticate into an OPTIONAL organization gave no session: {probe}"
        );
    }
    compare(
        report,
        server,
        addr,
        plan,
        "passwords/authenticate into an OPTIONAL org (session + JWT), member's own password, default config",
        logins,
        Target::AtLeast(1000.0),
        None,
    )
    .await?;
    Ok(())
}
