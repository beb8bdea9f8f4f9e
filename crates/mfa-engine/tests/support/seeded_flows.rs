//! Flows seeded with plain SQL and walked through the public typed API, shared by the
//! transition bench (`benches/transitions.rs`) and the crash test (`tests/crash.rs`). The public
//! API cannot forge a flow, by design, so rows as primary auth leaves them (routed to a TOTP
//! challenge) are written directly, on either backend; every later step is a real load →
//! transition → compare-and-set save.

use chrono::Utc;
use mfa_engine::{
    AfterFailure, ChallengePending, FlowId, FlowStore, Sms, SqliteFlowStore, Totp,
    store::PgFlowStore,
};

/// Transitions [`walk`] persists per flow.
#[allow(dead_code)] // the bench's throughput unit; the crash test does not need it
pub const TRANSITIONS_PER_FLOW: u64 = 4;

/// One `INSERT` of a flow in `challenge_pending` on TOTP (IST, both factors enrolled), as
/// primary auth inserts it; literals only, so both backends take the same text.
fn insert_sql(id: &str, now: i64) -> String {
    format!(
        "INSERT INTO login_flows (flow_id, version, state, organization_id, member_id,
             sms_allowed, totp_allowed, created_at, expires_at, intermediate_session_token,
             sms_enrolled, totp_enrolled, phone_number, challenge_method, sms_sent, failures)
         VALUES ('{id}', 1, 'challenge_pending', 'organization-seeded', 'member-seeded', TRUE,
             TRUE, {now}, {}, 'ist-seeded', TRUE, TRUE, '+14155550100', 'totp', FALSE, 0)",
        now + 3600
    )
}

/// A store the seeding can write rows into directly.
#[allow(async_fn_in_trait)] // test support: only awaited where it is called
pub trait Seed: FlowStore + Sized {
    /// Insert `n` flows (see [`insert_sql`]) in one transaction; returns their ids.
    async fn seed(&self, n: u64) -> Vec<FlowId>;
}

fn new_ids(n: u64) -> Vec<FlowId> {
    (0..n)
        .map(|_| FlowId::parse(&uuid::Uuid::new_v4().to_string()).expect("uuid"))
        .collect()
}

impl Seed for SqliteFlowStore {
    async fn seed(&self, n: u64) -> Vec<FlowId> {
        let (ids, now) = (new_ids(n), Utc::now().timestamp());
        let mut tx = self.pool().begin().await.expect("begin");
        for id in &ids {
            sqlx::query(&insert_sql(&id.to_string(), now))
                .execute(&mut *tx)
                .await
                .expect("seed row");
        }
        tx.commit().await.expect("commit");
        ids
    }
}

impl Seed for PgFlowStore {
    async fn seed(&self, n: u64) -> Vec<FlowId> {
        let (ids, now) = (new_ids(n), Utc::now().timestamp());
        let mut tx = self.pool().begin().await.expect("begin");
        for id in &ids {
            sqlx::query(&insert_sql(&id.to_string(), now))
                .execute(&mut *tx)
                .await
                .expect("seed row");
        }
        tx.commit().await.expect("commit");
        ids
    }
}

/// Insert `n` seeded flows into `store`; returns their ids.
pub async fn seed(store: &impl Seed, n: u64) -> Vec<FlowId> {
    store.seed(n).await
}

/// Walk one seeded flow through four persisted transitions: switch to SMS, SMS code sent, one
/// wrong code recorded, back to TOTP. `on_saved(version)` runs after each save.
pub async fn walk(store: &impl FlowStore, id: FlowId, mut on_saved: impl FnMut(i64)) {
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
