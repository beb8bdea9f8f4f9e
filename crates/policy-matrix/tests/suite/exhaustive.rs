//! Every valid combination, driven against the in-process mock and compared with the model.
//!
//! Shared setup: each organization policy is created once, each member shape once per
//! organization. A member is built while its organization is still OPTIONAL (so it can get the
//! same-member session a plain login gives), then shaped (TOTP, phone, `mfa_enrolled`, default)
//! and only then is the organization switched to the policy under test. Members run
//! concurrently; one member's thirteen requests run in order: the six that carry its session
//! first, because the password resets revoke the member's other sessions.
//!
//! Without a session each request is made twice: raw (the body is compared with the model's
//! [`Response`] and the outbox with `secondary_auth_initiated`) and through `MfaService` (the
//! returned step is compared with the model's [`EngineStep`]). With a session the engine has no
//! entry point, so the raw body is routed with the engine's public routing functions.

use std::sync::Mutex;
use std::time::Instant;

use futures_util::{StreamExt, stream};
use policy_matrix::{
    Combination, DefaultMfa, EngineStep, EntryPoint, MemberShape, OrgPolicy, Outcome, Phone, Totp,
    decide,
};
use serde_json::{Value, json};
use stytch_client::SessionToken;

use crate::harness::{Env, PASSWORD};
use crate::observe;

/// Organizations set up and run at the same time (each runs its 36 members concurrently).
const ORGS_IN_FLIGHT: usize = 3;

struct Member {
    shape: MemberShape,
    email: String,
    id: String,
    session: String,
    home_session: String,
}

struct Org {
    policy: OrgPolicy,
    id: String,
    members: Vec<Member>,
}

#[derive(Default)]
struct Tally {
    compared: usize,
    /// (what disagreed, where).
    mismatches: Vec<(String, String)>,
}

impl Tally {
    /// One line per kind of disagreement: how often, and the first combination showing it.
    fn summary(&self) -> String {
        let mut kinds: std::collections::BTreeMap<&str, (usize, &str)> = Default::default();
        for (what, at) in &self.mismatches {
            kinds.entry(what).or_insert((0, at)).0 += 1;
        }
        kinds
            .iter()
            .map(|(what, (n, at))| format!("{n} × {what}\n      e.g. {at}"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

pub fn org_settings(p: &OrgPolicy) -> Value {
    json!({
        "mfa_policy": p.mfa_policy.wire(),
        "mfa_methods": p.mfa_methods.wire_setting(),
        "allowed_mfa_methods": p.mfa_methods.allowed_list.names(),
        "auth_methods": p.auth_methods.wire_setting(),
        "allowed_auth_methods": p.auth_methods.wire_list(),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_valid_combination_matches_the_model() {
    let started = Instant::now();
    let env = Env::spawn().await;
    let shapes: Vec<MemberShape> = MemberShape::all()
        .filter(|m| m.validity().is_ok())
        .collect();
    // One member per shape in a home organization, with a session each: the source of every
    // session exchange. Member j has the same email in every organization.
    let home_org = env
        .create_org("home", json!({"mfa_policy": "OPTIONAL"}))
        .await
        .expect("home org");
    let home: Vec<String> = stream::iter(0..shapes.len())
        .map(|j| {
            let (env, home_org) = (&env, &home_org);
            async move {
                let email = email(j);
                let id = env
                    .migrate_member(home_org, &email, None)
                    .await
                    .expect("home member");
                login_session(env, home_org, &email, &id).await
            }
        })
        .buffered(12)
        .collect()
        .await;
    let policies: Vec<OrgPolicy> = OrgPolicy::all().filter(|p| p.validity().is_ok()).collect();
    let tally = Mutex::new(Tally::default());

    stream::iter(policies.iter().enumerate())
        .for_each_concurrent(ORGS_IN_FLIGHT, |(i, policy)| {
            let (env, home, shapes, tally) = (&env, &home, &shapes, &tally);
            async move {
                let org = build_org(env, home, i, *policy, shapes).await;
                stream::iter(&org.members)
                    .for_each_concurrent(None, |m| run_member(env, &org, m, tally))
                    .await;
            }
        })
        .await;

    let tally = tally.into_inner().expect("no panics while tallying");
    let expected = Combination::valid().count();
    println!(
        "policy matrix: {} combinations compared (of {} valid, {} in the product) in {:.1?}",
        tally.compared,
        expected,
        Combination::PRODUCT,
        started.elapsed()
    );
    assert!(
        tally.mismatches.is_empty(),
        "{} disagreements with the model over {} combinations:\n{}",
        tally.mismatches.len(),
        tally.compared,
        tally.summary()
    );
    assert_eq!(tally.compared, expected);
}

async fn build_org(
    env: &Env,
    home: &[String],
    index: usize,
    policy: OrgPolicy,
    shapes: &[MemberShape],
) -> Org {
    let id = env
        .create_org(
            &format!("matrix-{index}"),
            json!({"mfa_policy": "OPTIONAL"}),
        )
        .await
        .expect("org");
    let members = stream::iter(shapes.iter().enumerate())
        .map(|(j, shape)| build_member(env, &home[j], &id, j, *shape))
        .buffered(12)
        .collect::<Vec<_>>()
        .await;
    env.update_org(&id, org_settings(&policy))
        .await
        .unwrap_or_else(|e| panic!("org {policy:?}: {e:?}"));
    Org {
        policy,
        id,
        members,
    }
}

fn email(j: usize) -> String {
    format!("member-{j}@example.com")
}

async fn build_member(
    env: &Env,
    home_session: &str,
    org: &str,
    j: usize,
    shape: MemberShape,
) -> Member {
    let email = email(j);
    let id = env.migrate_member(org, &email, None).await.expect("member");
    let session = login_session(env, org, &email, &id).await;
    let home_session = home_session.to_owned();
    match shape.totp {
        Totp::None => {}
        Totp::Pending => {
            env.totp_create(org, &id).await.expect("pending totp");
        }
        Totp::Active => {
            env.totp_migrate(org, &id).await.expect("active totp");
        }
    }
    match shape.phone {
        Phone::None => {}
        Phone::Unverified => {
            env.migrate_member(org, &email, Some(false))
                .await
                .expect("phone");
        }
        Phone::Verified => {
            env.migrate_member(org, &email, Some(true))
                .await
                .expect("phone");
        }
    }
    let mut update = json!({ "mfa_enrolled": shape.mfa_enrolled });
    match shape.default_mfa_method {
        DefaultMfa::None => {}
        DefaultMfa::Sms => update["default_mfa_method"] = json!("sms_otp"),
        DefaultMfa::Totp => update["default_mfa_method"] = json!("totp"),
    }
    env.update_member(org, &id, update)
        .await
        .unwrap_or_else(|e| panic!("shape {shape:?}: {e:?}"));
    Member {
        shape,
        email,
        id,
        session,
        home_session,
    }
}

/// A full session from a magic-link login (the organization is OPTIONAL, the member bare).
async fn login_session(env: &Env, org: &str, email: &str, member: &str) -> String {
    let token = env.magic_link_token(org, email, member).await;
    let v = env
        .post(
            "/v1/b2b/magic_links/authenticate",
            json!({ "magic_links_token": token }),
        )
        .await
        .expect("login");
    v["session_token"].as_str().expect("a session").to_owned()
}

/// The six requests that carry the session first, then the seven without.
fn request_order() -> Vec<(EntryPoint, bool)> {
    let with: Vec<_> = EntryPoint::ALL
        .into_iter()
        .filter(|e| *e != EntryPoint::SessionExchange)
        .map(|e| (e, true))
        .collect();
    with.into_iter()
        .chain(EntryPoint::ALL.into_iter().map(|e| (e, false)))
        .collect()
}

async fn run_member(env: &Env, org: &Org, m: &Member, tally: &Mutex<Tally>) {
    let mut claimed_sms = 0;
    for (entry, same_member_session) in request_order() {
        let combo = Combination {
            org: org.policy,
            member: m.shape,
            entry,
            same_member_session,
        };
        let expected = decide(&combo);
        let mut problems = Vec::new();
        let body = if same_member_session {
            let body = raw_primary(env, org, m, entry).await;
            if let Ok(v) = &body {
                check_engine(&expected, observe::engine_route_of(v), &mut problems);
            }
            body
        } else {
            env.recorder.take(&m.id);
            let step = engine_primary(env, org, m, entry).await;
            check_engine(&expected, observe::engine(&step), &mut problems);
            env.recorder
                .take(&m.id)
                .ok_or_else(|| "no primary-auth body recorded".to_owned())
        };
        match &body {
            Err(e) => problems.push(format!("call refused: {e}")),
            Ok(v) => {
                match observe::response(v) {
                    Ok(r) if r == expected.response => {}
                    Ok(r) => problems.push(format!(
                        "response: model {:?}, mock {r:?}",
                        expected.response
                    )),
                    Err(e) => problems.push(format!("response: {e}")),
                }
                if v["mfa_required"]["secondary_auth_initiated"].as_str() == Some("sms_otp") {
                    claimed_sms += 1;
                }
            }
        }
        let mut t = tally.lock().expect("tally");
        t.compared += 1;
        if !problems.is_empty() {
            t.mismatches
                .push((problems.join("; "), format!("{combo:?}")));
        }
    }
    // Every `secondary_auth_initiated: sms_otp` is one SMS in the outbox, and nothing else is.
    let sent = env.sms_count(&m.id).await;
    if sent != claimed_sms {
        tally.lock().expect("tally").mismatches.push((
            format!(
                "outbox: {claimed_sms} responses said an SMS was sent, the outbox holds {sent}"
            ),
            format!("{:?} / {:?}", org.policy, m.shape),
        ));
    }
}

fn check_engine(expected: &Outcome, got: Result<EngineStep, String>, problems: &mut Vec<String>) {
    match got {
        Ok(s) if s == expected.engine => {}
        Ok(s) => problems.push(format!("engine: model {:?}, engine {s:?}", expected.engine)),
        Err(e) => problems.push(format!("engine: model {:?}, got {e}", expected.engine)),
    }
}

/// One primary authentication carrying the member's session, as a raw API call.
async fn raw_primary(env: &Env, org: &Org, m: &Member, entry: EntryPoint) -> Result<Value, String> {
    let (path, mut body) = match entry {
        EntryPoint::MagicLink => (
            "/v1/b2b/magic_links/authenticate",
            json!({"magic_links_token": env.magic_link_token(&org.id, &m.email, &m.id).await}),
        ),
        EntryPoint::Password => (
            "/v1/b2b/passwords/authenticate",
            json!({"organization_id": org.id, "email_address": m.email, "password": PASSWORD}),
        ),
        EntryPoint::PasswordResetByEmail => (
            "/v1/b2b/passwords/email/reset",
            json!({"password_reset_token": env.reset_token(&org.id, &m.email, &m.id).await, "password": PASSWORD}),
        ),
        EntryPoint::PasswordResetByExistingPassword => (
            "/v1/b2b/passwords/existing_password/reset",
            json!({"organization_id": org.id, "email_address": m.email,
                   "existing_password": PASSWORD, "new_password": PASSWORD}),
        ),
        EntryPoint::Sso => (
            "/v1/b2b/sso/authenticate",
            json!({"sso_token": env.sso_token(&org.id, &m.email).await}),
        ),
        EntryPoint::Oauth => (
            "/v1/b2b/oauth/authenticate",
            json!({"oauth_token": env.oauth_token(&org.id, &m.email).await}),
        ),
        EntryPoint::SessionExchange => (
            "/v1/b2b/sessions/exchange",
            json!({"organization_id": org.id, "session_token": m.home_session}),
        ),
    };
    if entry != EntryPoint::SessionExchange {
        body["session_token"] = json!(m.session);
    }
    env.post(path, body).await.map_err(|e| format!("{e:?}"))
}

/// The same primary authentication through `MfaService`.
async fn engine_primary(
    env: &Env,
    org: &Org,
    m: &Member,
    entry: EntryPoint,
) -> Result<mfa_engine::LoginStep, mfa_engine::ServiceError> {
    let s = &env.service;
    match entry {
        EntryPoint::MagicLink => {
            let token = env.magic_link_token(&org.id, &m.email, &m.id).await;
            s.login_with_magic_link(token.into()).await
        }
        EntryPoint::Password => {
            s.login_with_password(&org.id, &m.email, PASSWORD.into())
                .await
        }
        EntryPoint::PasswordResetByEmail => {
            let token = env.reset_token(&org.id, &m.email, &m.id).await;
            s.login_with_password_reset(token.into(), PASSWORD.into())
                .await
        }
        EntryPoint::PasswordResetByExistingPassword => {
            s.login_with_existing_password_reset(
                &org.id,
                &m.email,
                PASSWORD.into(),
                PASSWORD.into(),
            )
            .await
        }
        EntryPoint::Sso => {
            let token = env.sso_token(&org.id, &m.email).await;
            s.login_with_sso(token.into()).await
        }
        EntryPoint::Oauth => {
            let token = env.oauth_token(&org.id, &m.email).await;
            s.login_with_oauth(token.into()).await
        }
        EntryPoint::SessionExchange => {
            s.exchange_session(SessionToken::new(m.home_session.clone()), &org.id)
                .await
        }
    }
}
