//! Persisted flow transitions per second (issue 10: ≥ 10,000/s in-process), file-backed SQLite
//! in WAL mode as an app would run it. Run: `cargo bench -p mfa-engine --bench transitions`.
//!
//! One iteration takes a flow as primary auth stored it (a TOTP challenge) and walks it through
//! four transitions, each a typed load → transition → compare-and-set save:
//! switch to SMS, SMS code sent, a wrong code recorded, back to TOTP.
//! Rows are seeded outside the timed region with plain SQL (the public API cannot forge a flow,
//! by design; reaching `MemberSession` needs a Stytch-verified factor, so it is not measured).

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mfa_engine::{FlowId, SqliteFlowStore};

#[path = "../tests/support/seeded_flows.rs"]
mod seeded_flows;
use seeded_flows::{TRANSITIONS_PER_FLOW, seed, walk};

fn transitions(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let store = rt
        .block_on(SqliteFlowStore::open(dir.path().join("flows.db")))
        .expect("store");

    let mut group = c.benchmark_group("persisted_transitions");
    group.throughput(Throughput::Elements(TRANSITIONS_PER_FLOW));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("one_flow_at_a_time", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let ids = seed(&store, iters).await;
                let t = Instant::now();
                for id in ids {
                    walk(&store, id, |_| {}).await;
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
                let chunks: Vec<Vec<FlowId>> = ids
                    .chunks(ids.len().div_ceil(8).max(1))
                    .map(<[FlowId]>::to_vec)
                    .collect();
                let mut tasks = tokio::task::JoinSet::new();
                for chunk in chunks {
                    let store = store.clone();
                    tasks.spawn(async move {
                        for id in chunk {
                            walk(&store, id, |_| {}).await;
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
