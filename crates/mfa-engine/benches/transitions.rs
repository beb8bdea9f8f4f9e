//! Persisted flow transitions per second (issue 10: ≥ 10,000/s in-process), file-backed SQLite
//! in WAL mode as an app would run it. Run: `cargo bench -p mfa-engine --bench transitions`.
//!
//! One iteration takes a flow that finished primary auth with MFA pending and walks it through
//! four transitions, each a typed load → transition → compare-and-set save:
//! route (PrimaryAuthed → ChallengePending), switch to SMS, SMS code sent, a wrong code recorded.
//! Rows are seeded outside the timed region with plain SQL (the public API cannot forge a flow,
//! by design; reaching `MemberSession` needs a Stytch-verified factor, so it is not measured).

use std::time::{Duration, Instant};

use chrono::Utc;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mfa_engine::{AfterFailure, AfterPrimary, ChallengePending, FlowId, FlowStore, MfaMethod, PrimaryAuthed, SqliteFlowStore};

const TRANSITIONS_PER_FLOW: u64 = 4;

async fn seed(store: &SqliteFlowStore, n: u64) -> Vec<FlowId> {
    let now = Utc::now().timestamp();
    let mut ids = Vec::with_capacity(n as usize);
    let mut tx = store.pool().begin().await.expect("begin");
    for _ in 0..n {
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO login_flows (flow_id, version, state, organization_id, member_id,
                 sms_allowed, totp_allowed, created_at, expires_at, intermediate_session_token,
                 sms_enrolled, totp_enrolled, sms_auto_sent, default_method, phone_number)
             VALUES (?, 1, 'primary_authed', 'organization-bench', 'member-bench', 1, 1, ?, ?,
                 'ist-bench', 1, 1, 0, 'totp', '+14155550100')",
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

async fn walk(store: &SqliteFlowStore, id: FlowId) {
    let now = Utc::now();
    let flow = store.load_flow(id, now).await.expect("load").into_state::<PrimaryAuthed>().expect("primary");
    let AfterPrimary::Challenge(flow) = flow.route() else { panic!("seeded flows route to a challenge") };
    store.save_flow(flow).await.expect("save challenge");

    let flow = store.load_flow(id, now).await.expect("load").into_state::<ChallengePending>().expect("challenge");
    store.save_flow(flow.switch_to(MfaMethod::Sms).expect("sms allowed")).await.expect("save switch");

    let flow = store.load_flow(id, now).await.expect("load").into_state::<ChallengePending>().expect("challenge");
    store.save_flow(flow.sms_code_sent().expect("sms")).await.expect("save sent");

    let flow = store.load_flow(id, now).await.expect("load").into_state::<ChallengePending>().expect("challenge");
    let AfterFailure::Retry(flow) = flow.record_failure(5) else { panic!("one failure of five") };
    store.save_flow(flow).await.expect("save failure");
}

fn transitions(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let store = rt.block_on(SqliteFlowStore::open(dir.path().join("flows.db"))).expect("store");

    let mut group = c.benchmark_group("persisted_transitions");
    group.throughput(Throughput::Elements(TRANSITIONS_PER_FLOW));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("one_flow_at_a_time", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let ids = seed(&store, iters).await;
                let t = Instant::now();
                for id in ids {
                    walk(&store, id).await;
                }
                t.elapsed()
            })
        })
    });
    group.bench_function("eight_flows_concurrently", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let ids = seed(&store, iters).await;
                let t = Instant::now();
                let chunks: Vec<Vec<FlowId>> = ids.chunks(ids.len().div_ceil(8).max(1)).map(<[FlowId]>::to_vec).collect();
                let mut tasks = tokio::task::JoinSet::new();
                for chunk in chunks {
                    let store = store.clone();
                    tasks.spawn(async move {
                        for id in chunk {
                            walk(&store, id).await;
                        }
                    });
                }
                while let Some(r) = tasks.join_next().await {
                    r.expect("task");
                }
                t.elapsed()
            })
        })
    });
    group.finish();
    rt.block_on(store.close());
}

criterion_group!(benches, transitions);
criterion_main!(benches);
