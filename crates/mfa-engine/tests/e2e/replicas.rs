//! Eight app replicas — eight `MfaService`s, each with its own store and pool on one shared
//! database — get the same right code for the same login at once (a load balancer retrying, a
//! user on two devices). On Postgres (the multi-replica backend) and on one SQLite file: exactly
//! one replica signs the member in, every other gets a clean loss, and the row afterwards is one
//! session at version 2 (inserted once, completed once: no lost, no duplicated transition).

use std::sync::Arc;

use mfa_engine::store::{AnyFlowStore, PgFlowStore, StoredState};
use mfa_engine::{
    EngineConfig, FlowStore, LoginStep, ManualClock, MfaService, ServiceError, SqliteFlowStore,
    StateKind,
};
use sqlx::postgres::PgPoolOptions;

use crate::helpers::*;

#[path = "../support/test_postgres.rs"]
mod test_postgres;

const REPLICAS: usize = 8;
const LOGINS: usize = 3;

type Replica = Arc<MfaService<AnyFlowStore, ManualClock>>;

fn replica(app: &TestApp, store: AnyFlowStore) -> Replica {
    Arc::new(MfaService::with_clock(
        stytch(&app.mock.base_url),
        store,
        app.clock.clone(),
        EngineConfig::default(),
    ))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_sqlite_replicas_sign_each_login_in_exactly_once() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let mut replicas = Vec::new();
    for _ in 0..REPLICAS {
        let store = SqliteFlowStore::open(dir.path().join("shared.db")).await;
        replicas.push(replica(&app, store.expect("sqlite").into()));
    }
    each_login_signs_in_exactly_once(&app, &replicas).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_postgres_replicas_sign_each_login_in_exactly_once() {
    let Some(db) = test_postgres::fresh_database("e2e replicas").await else {
        return;
    };
    let app = spawn_app().await;
    let mut replicas = Vec::new();
    for _ in 0..REPLICAS {
        let pool = PgPoolOptions::new()
            .max_connections(2)
            .connect_with(db.clone())
            .await
            .expect("pool");
        let store = PgFlowStore::from_pool(pool).await.expect("migrations");
        replicas.push(replica(&app, store.into()));
    }
    each_login_signs_in_exactly_once(&app, &replicas).await;
}

async fn each_login_signs_in_exactly_once(app: &TestApp, replicas: &[Replica]) {
    for n in 0..LOGINS {
        // Arrange: a member with SMS enrolled (on the app's own store), then a login whose
        // flow the first replica stores in the shared database.
        let email = format!("replica-{n}@example.com");
        let (org, member) = app.org_with_member(REQUIRED, &email).await;
        let first = app.enroll_by_sms(&org, &member, &email).await;
        app.service.logout(first.flow_id).await.unwrap();
        let token = app.magic_link_token(&org, &email).await;
        let challenge = expect_challenge(
            replicas[0]
                .login_with_magic_link(token.into())
                .await
                .unwrap(),
        );
        let code = app.latest_sms_code(&member).await;

        // Act: every replica submits the right code at once.
        let results = submit_everywhere(replicas, challenge.flow_id, &code).await;

        // Assert: one sign-in, seven clean losses; one session row at version 2.
        let wins = results
            .iter()
            .filter(|r| matches!(r, Ok(LoginStep::SignedIn(_))))
            .count();
        let clean_losses = results
            .iter()
            .filter(|r| {
                matches!(
                    r,
                    Err(ServiceError::Stale(_)
                        | ServiceError::Expired(_)
                        | ServiceError::WrongCode { .. })
                ) || matches!(r, Err(ServiceError::WrongState(u)) if u.found == StateKind::MemberSession)
            })
            .count();
        assert_eq!((wins, clean_losses), (1, REPLICAS - 1), "{results:?}");
        let row = replicas[REPLICAS - 1]
            .store()
            .load(challenge.flow_id)
            .await
            .expect("row");
        assert_eq!((row.state, row.version), (StoredState::MemberSession, 2));
        let stored = expect_signed_in(
            replicas[REPLICAS - 1]
                .resume(challenge.flow_id)
                .await
                .unwrap(),
        );
        app.assert_session_is_live(&stored).await;
    }
}

/// `submit_code` on every replica concurrently (spawned, so they really overlap).
async fn submit_everywhere(
    replicas: &[Replica],
    flow_id: mfa_engine::FlowId,
    code: &str,
) -> Vec<Result<LoginStep, ServiceError>> {
    let mut tasks = tokio::task::JoinSet::new();
    for (i, r) in replicas.iter().enumerate() {
        let (r, code) = (r.clone(), code.to_owned());
        tasks.spawn(async move { (i, r.submit_code(flow_id, code.into()).await) });
    }
    let mut out: Vec<_> = tasks.join_all().await;
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}
