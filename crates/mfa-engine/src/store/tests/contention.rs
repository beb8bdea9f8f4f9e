//! Eight app replicas (eight stores, each with its own pool on the same database) working on
//! the same flows at once, on both backends. What a replica does is what the service does per
//! request: load → transition → compare-and-set save. Checked afterwards from the rows:
//! - every replica records one wrong code on every flow, retrying when it loses the
//!   compare-and-set: each flow then has exactly 8 failures at version 1 + 8 (a lost update
//!   would leave fewer failures than saves, a duplicated one more);
//! - then all eight read the same version of each flow and all try to complete it: exactly one
//!   completion per flow succeeds, seven are `Stale`, and the row is that one session.

use std::sync::Arc;

use tokio::sync::Barrier;

use super::backends::{TestDb, on_both_backends};
use crate::flow::tests::challenge;
use crate::flow::{AfterFailure, AfterPrimary, AnyChallenge, ChallengePending, FlowId, StateKind};
use crate::kind::Sms;
use crate::proof::{Expected, FactorVerified};
use crate::store::{FlowStore, StoreError};
use crate::test_support::{mfa_ok, t0};

const REPLICAS: usize = 8;
const FLOWS: usize = 12;

async fn eight_replicas_lose_no_transition_and_complete_each_flow_once<D: TestDb>(db: D) {
    // Arrange: eight replicas; the flows inserted by the first, as primary auth would.
    let mut replicas = Vec::new();
    for _ in 0..REPLICAS {
        replicas.push(db.open().await); // one by one: each runs the migrations on open
    }
    let mut ids = Vec::new();
    for _ in 0..FLOWS {
        let routed = AfterPrimary::Challenge(AnyChallenge::Sms(challenge()));
        ids.push(replicas[0].insert_flow(routed).await.expect("insert").id());
    }
    let ids = Arc::new(ids);

    // Act 1: every replica records one failure on every flow, retrying lost compare-and-sets.
    let mut tasks = tokio::task::JoinSet::new();
    for store in &replicas {
        let (store, ids) = (store.clone(), ids.clone());
        tasks.spawn(async move {
            let mut lost = 0usize;
            for &id in ids.iter() {
                loop {
                    let flow = load_challenge(&store, id).await;
                    let AfterFailure::Retry(flow) = flow.record_failure(100) else {
                        panic!("100 failures allowed")
                    };
                    match store.save_flow(flow).await {
                        Ok(_) => break,
                        Err(StoreError::Stale(_)) => lost += 1,
                        Err(e) => panic!("unexpected store error: {e}"),
                    }
                }
            }
            lost
        });
    }
    let lost: usize = tasks.join_all().await.into_iter().sum();

    // Assert 1: eight failures per flow, one version step per successful save.
    for &id in ids.iter() {
        let flow = load_challenge(&replicas[0], id).await;
        assert_eq!(
            (flow.failures(), flow.version()),
            (REPLICAS as u32, 1 + REPLICAS as i64),
            "flow {id} after {REPLICAS} recorded failures ({lost} lost compare-and-sets)"
        );
    }

    // Act 2: for each flow, all replicas read the same version, then all try to complete it.
    let barrier = Arc::new(Barrier::new(REPLICAS));
    let mut tasks = tokio::task::JoinSet::new();
    for store in &replicas {
        let (store, ids, barrier) = (store.clone(), ids.clone(), barrier.clone());
        tasks.spawn(async move {
            let mut outcomes = Vec::new();
            for &id in ids.iter() {
                let flow = load_challenge(&store, id).await;
                barrier.wait().await;
                let expected = Expected {
                    flow_id: id,
                    member_id: "mem-1",
                    organization_id: "org-1",
                };
                let proof = FactorVerified::<Sms>::from_mfa_response(&expected, &mfa_ok("mem-1"))
                    .expect("proof");
                let session = flow.complete(proof).expect("completes");
                outcomes.push((id, store.save_flow(session).await.map(|s| s.version())));
                barrier.wait().await; // the next flow starts when every replica is done
            }
            outcomes
        });
    }
    let outcomes: Vec<_> = tasks.join_all().await.into_iter().flatten().collect();

    // Assert 2: exactly one completion per flow; every other replica lost the compare-and-set.
    for &id in ids.iter() {
        let of_flow: Vec<_> = outcomes.iter().filter(|(i, _)| *i == id).collect();
        let won: Vec<i64> = of_flow
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok().copied())
            .collect();
        let stale = of_flow
            .iter()
            .filter(|(_, r)| matches!(r, Err(StoreError::Stale(x)) if *x == id))
            .count();
        assert_eq!(
            (won.len(), stale),
            (1, REPLICAS - 1),
            "flow {id}: {of_flow:?}"
        );
        let stored = replicas[0].load_flow(id, t0()).await.expect("load");
        assert_eq!(
            (stored.kind(), stored.version()),
            (StateKind::MemberSession, 2 + REPLICAS as i64)
        );
        assert_eq!(won, vec![2 + REPLICAS as i64]);
    }
}

async fn load_challenge(
    store: &impl FlowStore,
    id: FlowId,
) -> crate::LoginFlow<ChallengePending<Sms>> {
    store
        .load_flow(id, t0())
        .await
        .expect("load")
        .into_state::<ChallengePending<Sms>>()
        .expect("an SMS challenge")
}

on_both_backends!(eight_replicas_lose_no_transition_and_complete_each_flow_once);
