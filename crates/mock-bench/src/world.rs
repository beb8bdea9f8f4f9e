//! Test data and the operations that exercise it, all through the mock's public and control APIs
//! (never its internals): organizations, members, full logins, TOTP registrations.
//!
//! Each connection of the generator owns a disjoint slice of members (`worker + k * connections`),
//! so two connections never race on one member's magic link, SMS code or TOTP step.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use mock_control::{Channel, OutboxFilter, path, totp};
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::client::{Conn, Req, field};
use crate::load::Op;

/// One phone for every member: valid for libphonenumber, and the mock does not require uniqueness.
pub const PHONE: &str = "+14155552671";

#[derive(Clone, Debug)]
pub struct MemberRef {
    pub organization_id: String,
    pub member_id: String,
    pub email: String,
}

/// Is `path` routed by this build of the mock? (An unknown route answers 404 `route_not_found`.)
pub async fn has_route(conn: &mut Conn, req: &Req) -> anyhow::Result<bool> {
    let (status, body) = conn.send(req).await?;
    Ok(!(status.as_u16() == 404 && String::from_utf8_lossy(&body).contains("route_not_found")))
}

pub async fn create_org(conn: &mut Conn, slug: &str, mfa_policy: &str) -> anyhow::Result<String> {
    let body =
        json!({"organization_name": slug, "organization_slug": slug, "mfa_policy": mfa_policy});
    let v = conn
        .json(&Req::post("/v1/b2b/organizations", &body))
        .await?;
    field(&v, "/organization/organization_id")
}

pub async fn create_member(conn: &mut Conn, org: &str, email: &str) -> anyhow::Result<MemberRef> {
    let body = json!({"email_address": email, "mfa_phone_number": PHONE});
    let v = conn
        .json(&Req::post(
            format!("/v1/b2b/organizations/{org}/members"),
            &body,
        ))
        .await?;
    Ok(MemberRef {
        organization_id: org.to_owned(),
        member_id: field(&v, "/member_id")?,
        email: email.to_owned(),
    })
}

/// Create `orgs.len() * per_org` members (member `k` of org `o` is `m{k}@{o_slug}.example.com`,
/// starting at `first`), over `connections` parallel connections, stopping early at `deadline`.
/// Returns the members made, in creation order, and the wall time taken.
pub async fn seed_members(
    addr: SocketAddr,
    orgs: &[(String, String)],
    first: usize,
    per_org: usize,
    connections: usize,
    deadline: Instant,
) -> anyhow::Result<(Vec<MemberRef>, Duration)> {
    let jobs: Arc<Vec<(String, String)>> = Arc::new(
        (first..first + per_org)
            .flat_map(|k| {
                orgs.iter()
                    .map(move |(id, slug)| (id.clone(), format!("m{k}@{slug}.example.com")))
            })
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..connections.min(jobs.len()).max(1) {
        let (jobs, next) = (jobs.clone(), next.clone());
        let mut conn = Conn::connect(addr).await?;
        tasks.push(tokio::spawn(async move {
            let mut made = Vec::new();
            loop {
                if Instant::now() >= deadline {
                    break;
                }
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((org, email)) = jobs.get(i) else {
                    break;
                };
                made.push((i, create_member(&mut conn, org, email).await?));
            }
            anyhow::Ok(made)
        }));
    }
    let mut all = Vec::with_capacity(jobs.len());
    for t in tasks {
        all.extend(t.await??);
    }
    let took = t0.elapsed();
    all.sort_by_key(|(i, _)| *i);
    Ok((all.into_iter().map(|(_, m)| m).collect(), took))
}

/// `n` organizations `{prefix}-{i}` with `mfa_policy`, created over `connections` connections.
pub async fn create_orgs(
    addr: SocketAddr,
    prefix: &str,
    n: usize,
    mfa_policy: &str,
    connections: usize,
) -> anyhow::Result<Vec<(String, String)>> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..connections.min(n).max(1) {
        let next = next.clone();
        let (prefix, policy) = (prefix.to_owned(), mfa_policy.to_owned());
        let mut conn = Conn::connect(addr).await?;
        tasks.push(tokio::spawn(async move {
            let mut made = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let slug = format!("{prefix}-{i}");
                made.push((i, (create_org(&mut conn, &slug, &policy).await?, slug)));
            }
            anyhow::Ok(made)
        }));
    }
    let mut all = Vec::with_capacity(n);
    for t in tasks {
        all.extend(t.await??);
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, o)| o).collect())
}

/// The JWKS key and the validation an SDK's `authenticate_jwt_local` applies.
pub async fn jwt_verifier(conn: &mut Conn) -> anyhow::Result<(DecodingKey, Validation)> {
    let pid = mock_stytch::config::DEFAULT_PROJECT_ID;
    let v = conn
        .json(&Req::get(format!("/v1/b2b/sessions/jwks/{pid}")))
        .await?;
    let key = DecodingKey::from_rsa_components(&field(&v, "/keys/0/n")?, &field(&v, "/keys/0/e")?)?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[pid]);
    validation.set_issuer(&[format!("stytch.com/{pid}")]);
    validation.set_required_spec_claims(&["exp", "nbf", "iat", "aud", "iss", "sub"]);
    validation.validate_nbf = true;
    Ok((key, validation))
}

/// A `GET` of the mock's outbox with `filter`. The route and the query come from
/// `mock_control`, but the request goes over the bench's own HTTP/1 connection, not through
/// `mock_control`'s reqwest client: a login measured here (two outbox reads of six requests) must
/// cost what the mock costs, on the connection its worker owns.
pub fn outbox_read(filter: &OutboxFilter) -> Req {
    Req::get(format!("{}?{}", path::OUTBOX, filter.query_string()))
}

/// The newest outbox message of `member` on `channel`.
async fn newest_message(
    conn: &mut Conn,
    member_id: &str,
    channel: Channel,
) -> anyhow::Result<Value> {
    let filter = OutboxFilter::member(member_id).channel(channel).limit(1);
    let v = conn.json(&outbox_read(&filter)).await?;
    v.pointer("/messages/0")
        .cloned()
        .with_context(|| format!("no {channel:?} message for {member_id}"))
}

/// A session the login produced.
#[derive(Clone, Debug)]
pub struct SessionRef {
    pub member: MemberRef,
    pub token: String,
    pub jwt: String,
}

/// A full required-MFA login, as a test drives it: magic link send → outbox → authenticate (IST)
/// → SMS send → outbox → SMS authenticate (session) → verify the session JWT locally with the
/// JWKS key (what `authenticate_jwt_local` does). Six HTTP requests, one local RS256 verify.
pub struct Login {
    pub members: Vec<MemberRef>,
    pub connections: usize,
    pub key: DecodingKey,
    pub validation: Validation,
    /// The latest session of each member, by member index.
    pub sessions: Mutex<Vec<Option<SessionRef>>>,
}

impl Login {
    pub fn new(
        members: Vec<MemberRef>,
        connections: usize,
        key: DecodingKey,
        validation: Validation,
    ) -> Login {
        let sessions = Mutex::new(vec![None; members.len()]);
        Login {
            members,
            connections,
            key,
            validation,
            sessions,
        }
    }

    fn member(&self, worker: usize, seq: u64) -> usize {
        let per_worker = (self.members.len() / self.connections).max(1);
        (worker + self.connections * (seq as usize % per_worker)) % self.members.len()
    }

    /// One login of `m`; returns the session.
    pub async fn login(&self, conn: &mut Conn, m: &MemberRef) -> anyhow::Result<SessionRef> {
        let org = &m.organization_id;
        conn.ok(&Req::post(
            "/v1/b2b/magic_links/email/login_or_signup",
            &json!({"organization_id": org, "email_address": m.email}),
        ))
        .await?;
        let token = field(
            &newest_message(conn, &m.member_id, Channel::Email).await?,
            "/token",
        )?;
        let primary = conn
            .json(&Req::post(
                "/v1/b2b/magic_links/authenticate",
                &json!({"magic_links_token": token}),
            ))
            .await?;
        let ist = field(&primary, "/intermediate_session_token")?;
        if ist.is_empty() {
            bail!("magic link authenticate did not ask for MFA: {primary}");
        }
        let who = json!({"organization_id": org, "member_id": m.member_id, "intermediate_session_token": ist});
        conn.ok(&Req::post("/v1/b2b/otps/sms/send", &who)).await?;
        let code = field(
            &newest_message(conn, &m.member_id, Channel::Sms).await?,
            "/code",
        )?;
        let mut auth = who.clone();
        auth["code"] = Value::from(code);
        let done = conn
            .json(&Req::post("/v1/b2b/otps/sms/authenticate", &auth))
            .await?;
        let jwt = field(&done, "/session_jwt")?;
        let claims = jsonwebtoken::decode::<Value>(&jwt, &self.key, &self.validation)?.claims;
        if claims["sub"] != m.member_id.as_str() {
            bail!(
                "session JWT names {} instead of {}",
                claims["sub"],
                m.member_id
            );
        }
        Ok(SessionRef {
            member: m.clone(),
            token: field(&done, "/session_token")?,
            jwt,
        })
    }
}

impl Op for Login {
    async fn run(&self, conn: &mut Conn, worker: usize, seq: u64) -> anyhow::Result<()> {
        let i = self.member(worker, seq);
        let s = self.login(conn, &self.members[i]).await?;
        self.sessions.lock().await[i] = Some(s);
        Ok(())
    }
}

/// A member with an active TOTP registration whose secret we know, and a session to step up.
#[derive(Clone, Debug)]
pub struct TotpMember {
    pub session: SessionRef,
    pub secret: Vec<u8>,
}

/// Import a known secret for the session's member (`totp/migrate`: active at once).
pub async fn migrate_totp(
    conn: &mut Conn,
    session: &SessionRef,
    n: usize,
) -> anyhow::Result<TotpMember> {
    let secret: Vec<u8> = (0..20u8)
        .map(|i| (n as u8).wrapping_mul(31).wrapping_add(i.wrapping_mul(7)) ^ 0x5a)
        .collect();
    let m = &session.member;
    conn.ok(&Req::post(
        "/v1/b2b/totp/migrate",
        &json!({"organization_id": m.organization_id, "member_id": m.member_id, "secret": base32::encode(base32::Alphabet::Rfc4648 { padding: false }, &secret), "recovery_codes": []}),
    ))
    .await?;
    Ok(TotpMember {
        session: session.clone(),
        secret,
    })
}

/// `totp/authenticate` as a step-up on an existing session. A registration accepts each 30 s step
/// once and only newer ones after it, so each member is used for steps s-1, s, s+1 in that order
/// (the mock accepts ±1 step) and never again: the run's size is bounded by 3 × members.
pub struct TotpAuth {
    pub members: Vec<TotpMember>,
    pub connections: usize,
    /// The virtual clock's step during the run (the caller aligns the clock first).
    pub step: u64,
    /// Size of the last response body, to size the baseline.
    pub body_len: AtomicUsize,
}

impl TotpAuth {
    pub fn request(&self, worker: usize, seq: u64) -> Option<Req> {
        let i = worker + self.connections * (seq / 3) as usize;
        let t = self.members.get(i)?;
        let step = self.step + (seq % 3) - 1;
        let m = &t.session.member;
        Some(Req::post(
            "/v1/b2b/totp/authenticate",
            &json!({
                "organization_id": m.organization_id, "member_id": m.member_id,
                "code": totp::code_for_step(&t.secret, step), "session_token": t.session.token,
            }),
        ))
    }
}

impl Op for TotpAuth {
    async fn run(&self, conn: &mut Conn, worker: usize, seq: u64) -> anyhow::Result<()> {
        let req = self
            .request(worker, seq)
            .context("TOTP member pool exhausted")?;
        let body = conn.ok(&req).await?;
        self.body_len.store(body.len(), Ordering::Relaxed);
        Ok(())
    }

    fn per_worker_limit(&self) -> u64 {
        3 * (self.members.len() / self.connections) as u64
    }
}
