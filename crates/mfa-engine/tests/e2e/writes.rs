//! One login writes its flow row once (issue 19): primary auth routes in memory and inserts the
//! flow in the state it routed to. A store wrapper counts the backend writes of real logins
//! against the mock, for each of the three routes.

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use mfa_engine::store::{FlowRecord, FlowUpdate, NewFlow};
use mfa_engine::{
    EngineConfig, FlowId, FlowStore, LoginStep, ManualClock, MfaService, SqliteFlowStore,
    StoreError,
};

use crate::helpers::*;

/// A [`SqliteFlowStore`] that counts inserts and updates.
struct CountingStore {
    inner: SqliteFlowStore,
    inserts: AtomicUsize,
    updates: AtomicUsize,
}

impl CountingStore {
    fn writes(&self) -> (usize, usize) {
        (
            self.inserts.load(Ordering::SeqCst),
            self.updates.load(Ordering::SeqCst),
        )
    }
}

impl FlowStore for CountingStore {
    async fn insert(&self, new: &NewFlow) -> Result<(), StoreError> {
        self.inserts.fetch_add(1, Ordering::SeqCst);
        self.inner.insert(new).await
    }

    async fn load(&self, id: FlowId) -> Result<FlowRecord, StoreError> {
        self.inner.load(id).await
    }

    async fn update(&self, change: &FlowUpdate) -> Result<(), StoreError> {
        self.updates.fetch_add(1, Ordering::SeqCst);
        self.inner.update(change).await
    }

    async fn delete(&self, id: FlowId, expected_version: i64) -> Result<(), StoreError> {
        self.inner.delete(id, expected_version).await
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        self.inner.purge_expired(now).await
    }
}

async fn counting_service(app: &TestApp) -> MfaService<CountingStore, ManualClock> {
    let store = CountingStore {
        inner: SqliteFlowStore::in_memory().await.expect("store"),
        inserts: AtomicUsize::new(0),
        updates: AtomicUsize::new(0),
    };
    MfaService::with_clock(
        stytch(&app.mock.base_url),
        store,
        app.clock.clone(),
        EngineConfig::default(),
    )
}

#[tokio::test]
async fn each_route_out_of_primary_auth_writes_the_flow_once() {
    let app = spawn_app().await;
    let (optional_org, _) = app.org_with_member(OPTIONAL, "opt@example.com").await;
    let (required_org, member) = app.org_with_member(REQUIRED, "req@example.com").await;
    // Enroll SMS once (with the ordinary service), so the next login is a challenge.
    app.enroll_by_sms(&required_org, &member, "req@example.com")
        .await;

    for (org, email, route) in [
        (&optional_org, "opt@example.com", "session"),
        (&required_org, "req@example.com", "challenge"),
    ] {
        // Arrange
        let service = counting_service(&app).await;
        let token = app.magic_link_token(org, email).await;

        // Act
        let step = service.login_with_magic_link(token.into()).await.unwrap();

        // Assert: one insert, no update, and the row is at version 1.
        let got = match &step {
            LoginStep::SignedIn(_) => "session",
            LoginStep::Enroll(_) => "enroll",
            LoginStep::Challenge(_) => "challenge",
        };
        assert_eq!(got, route);
        assert_eq!(service.store().writes(), (1, 0), "{route}");
        let row = service.store().load(step.flow_id()).await.unwrap();
        assert_eq!(row.version, 1, "{route}");
    }
}

#[tokio::test]
async fn an_enrollment_login_writes_once_and_each_step_after_it_once() {
    let app = spawn_app().await;
    let (org, member) = app.org_with_member(REQUIRED, "new@example.com").await;
    let service = counting_service(&app).await;
    let token = app.magic_link_token(&org, "new@example.com").await;

    let step = service.login_with_magic_link(token.into()).await.unwrap();
    let flow = expect_enroll(&step);
    assert_eq!(service.store().writes(), (1, 0), "the login");

    service.enroll_sms(flow, PHONE).await.unwrap();
    assert_eq!(service.store().writes(), (1, 1), "code sent");
    let code = app.latest_sms_code(&member).await;
    expect_signed_in(service.confirm_enrollment(flow, code.into()).await.unwrap());
    assert_eq!(service.store().writes(), (1, 2), "confirmed");
}
