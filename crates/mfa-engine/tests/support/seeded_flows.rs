//! Flows seeded with plain SQL and walked through the public typed API, shared by the
//! transition bench (`benches/transitions.rs`) and the crash test (`tests/crash.rs`). The public
//! API cannot forge a flow, by design, so rows as primary auth leaves them (routed to a TOTP
//! challenge) are written directly; every later step is a real load → transition →
//! compare-and-set save.

use chrono::Utc;
use mfa_engine::{AfterFailure, ChallengePending, FlowId, FlowStore, Sms, SqliteFlowStore, Totp};

/// Transitions [`walk`] persists per flow.
#[allow(dead_code)] // the bench's throughput unit; the crash test does not need it
pub const TRANSITIONS_PER_FLOW: u64 = 4;

/// Insert `n` flows in `challenge_pending` on TOTP (IST, both factors enrolled), as primary
/// auth inserts them, one transaction; returns their ids.
pub async fn seed(store: &SqliteFlowStore, n: u64) -> Vec<FlowId> {
    let now = Utc::now().timestamp();
    let mut ids = Vec::with_capacity(n as usize);
    let mut tx = store.pool().begin().await.expect("begin");
    for _ in 0..n {
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO login_flows (flow_id, version, state, organization_id, member_id,
                 sms_allowed, totp_allowed, created_at, expires_at, intermediate_session_token,
                 sms_enrolled, totp_enrolled, phone_number, challenge_method, sms_sent, failures)
             VALUES (?, 1, 'challenge_pending', 'organization-seeded', 'member-seeded', 1, 1,
                 ?, ?, 'ist-seeded', 1, 1, '+14155550100', 'totp', 0, 0)",
        )
        .bind(&id)
        .bind(now)
        .bind(now + 3600)
        .execute(&mut *tx)
        .await
        .expect("seed row");
        ids.push(FlowId::parse(&id).expect("uuid"));
    }
    tx.commit().await.expect("commit");
    ids
}

/// Walk one seeded flow through four persisted transitions: switch to SMS, SMS code sent, one
/// wrong code recorded, back to TOTP. `on_saved(version)` runs after each save.
pub async fn walk(store: &SqliteFlowStore, id: FlowId, mut on_saved: impl FnMut(i64)) {
    let now = Utc::now();
    let flow = store
        .load_flow(id, now)
        .await
        .expect("load")
        .into_state::<ChallengePending<Totp>>()
        .expect("TOTP challenge");
    let flow = flow.switch_to::<Sms>().expect("sms allowed");
    on_saved(store.save_flow(flow).await.expect("save switch").version());

    let flow = store
        .load_flow(id, now)
        .await
        .expect("load")
        .into_state::<ChallengePending<Sms>>()
        .expect("SMS challenge");
    on_saved(
        store
            .save_flow(flow.sms_code_sent())
            .await
            .expect("save sent")
            .version(),
    );

    let flow = store
        .load_flow(id, now)
        .await
        .expect("load")
        .into_state::<ChallengePending<Sms>>()
        .expect("SMS challenge");
    let AfterFailure::Retry(flow) = flow.record_failure(5) else {
        panic!("one failure of five")
    };
    on_saved(store.save_flow(flow).await.expect("save failure").version());

    let flow = store
        .load_flow(id, now)
        .await
        .expect("load")
        .into_state::<ChallengePending<Sms>>()
        .expect("SMS challenge");
    let flow = flow.switch_to::<Totp>().expect("totp allowed");
    on_saved(store.save_flow(flow).await.expect("save back").version());
}
