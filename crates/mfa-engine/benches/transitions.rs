//! Persisted flow transitions per second (issues 10 and 19: SQLite ≥ 10,000/s in-process;
//! Postgres with one and with eight replicas). Run: `cargo bench -p mfa-engine --bench
//! transitions`; the Postgres group runs when `STYTCH_MFA_TEST_POSTGRES_URL` names a server
//! (`export STYTCH_MFA_TEST_POSTGRES_URL=$(bash tests/postgres.sh start)`), in a database of
//! its own that it drops afterwards.
//!
//! One iteration takes a flow as primary auth stored it (a TOTP challenge) and walks it through
//! four transitions, each a typed load → transition → compare-and-set save:
//! switch to SMS, SMS code sent, a wrong code recorded, back to TOTP.
//! Rows are seeded outside the timed region with plain SQL (the public API cannot forge a flow,
//! by design; reaching `MemberSession` needs a Stytch-verified factor, so it is not measured).
//! "Replicas" are separate stores with separate pools on one database, as separate app
//! processes would have; concurrent variants split the flows over eight tasks.

use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use mfa_engine::SqliteFlowStore;
use mfa_engine::store::PgFlowStore;
use sqlx::postgres::PgPoolOptions;
use tokio::runtime::Runtime;

#[path = "../tests/support/seeded_flows.rs"]
mod seeded_flows;
use seeded_flows::{Seed, TRANSITIONS_PER_FLOW, seed, walk};
#[path = "../tests/support/test_postgres.rs"]
mod test_postgres;

/// Walk `iters` seeded flows, split over `tasks` tasks; task `i` uses `stores[i % len]`.
fn bench_walks<S: Seed + Clone + Send + Sync + 'static>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    rt: &Runtime,
    stores: &[S],
    tasks: usize,
) {
    group.bench_function(name, |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let ids = seed(&stores[0], iters).await;
                let t = Instant::now();
                let mut set = tokio::task::JoinSet::new();
                for (i, chunk) in ids.chunks(ids.len().div_ceil(tasks).max(1)).enumerate() {
                    let (store, chunk) = (stores[i % stores.len()].clone(), chunk.to_vec());
                    set.spawn(async move {
                        for id in chunk {
                            walk(&store, id, |_| {}).await;
                        }
                    });
                }
                while let Some(r) = set.join_next().await {
                    r.expect("task");
                }
                t.elapsed()
            })
        })
    });
}

fn sqlite(c: &mut Criterion, rt: &Runtime) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = rt
        .block_on(SqliteFlowStore::open(dir.path().join("flows.db")))
        .expect("store");
    let mut group = c.benchmark_group("persisted_transitions");
    configure(&mut group);
    bench_walks(
        &mut group,
        "one_flow_at_a_time",
        rt,
        std::slice::from_ref(&store),
        1,
    );
    bench_walks(
        &mut group,
        "eight_flows_concurrently",
        rt,
        std::slice::from_ref(&store),
        8,
    );
    group.finish();
    rt.block_on(store.close());
}

fn postgres(c: &mut Criterion, rt: &Runtime) {
    if std::env::var(test_postgres::POSTGRES_URL_VAR).is_err() {
        eprintln!(
            "note: {} is not set: Postgres transitions not measured",
            test_postgres::POSTGRES_URL_VAR
        );
        return;
    }
    let options = rt
        .block_on(test_postgres::fresh_database("transitions bench"))
        .expect("a database");
    let open = || {
        let options = options.clone();
        rt.block_on(async move {
            let pool = PgPoolOptions::new()
                .max_connections(4)
                .connect_with(options)
                .await
                .expect("pool");
            PgFlowStore::from_pool(pool).await.expect("migrations")
        })
    };
    let replicas: Vec<PgFlowStore> = (0..8).map(|_| open()).collect();

    let mut group = c.benchmark_group("persisted_transitions_postgres");
    configure(&mut group);
    bench_walks(
        &mut group,
        "one_replica_one_flow_at_a_time",
        rt,
        &replicas[..1],
        1,
    );
    bench_walks(&mut group, "one_replica_eight_flows", rt, &replicas[..1], 8);
    bench_walks(&mut group, "eight_replicas_eight_flows", rt, &replicas, 8);
    group.finish();
    for r in &replicas {
        rt.block_on(r.close());
    }
    rt.block_on(test_postgres::drop_database(&options));
}

/// Short runs: `cargo bench` stays under a minute or so per group.
fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group.throughput(Throughput::Elements(TRANSITIONS_PER_FLOW));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(3));
}

fn transitions(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    sqlite(c, &rt);
    postgres(c, &rt);
}

criterion_group!(benches, transitions);
criterion_main!(benches);
