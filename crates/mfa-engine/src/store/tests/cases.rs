//! Store cases run on both backends: every state survives a round trip, reopening keeps a
//! flow, compare-and-set lets exactly one of two racing writers win, expiry, not-found and
//! duplicates. Each case is `async fn case<D: TestDb>(db: D)`, instantiated per backend.

use std::sync::Arc;

use chrono::Duration;
use serde_json::json;
use stytch_client::secret::ExposeSecretStr;

use super::backends::{TestDb, on_both_backends};
use crate::flow::tests::{challenge, enrollment, session};
use crate::flow::{
    AfterFailure, AfterPrimary, AnyChallenge, AnyEnrollment, AnyLoginFlow, ChallengePending,
    PrimaryAuthed,
};
use crate::flow::{FlowState, LoginFlow};
use crate::kind::{Sms, Totp};
use crate::method::MethodSet;
use crate::store::*;
use crate::test_support::{authenticated, pending, t0};

/// Every column, secrets exposed, so two records can be compared exactly.
pub(super) fn columns(r: &FlowRecord) -> String {
    let s = |t: Option<&dyn ExposeSecretStr>| t.map(|t| t.expose_secret().to_owned());
    format!(
        "{r:?} ist={:?} st={:?} jwt={:?}",
        s(r.intermediate_session_token
            .as_ref()
            .map(|t| t as &dyn ExposeSecretStr)),
        s(r.session_token.as_ref().map(|t| t as &dyn ExposeSecretStr)),
        s(r.session_jwt.as_ref().map(|t| t as &dyn ExposeSecretStr)),
    )
}

pub(super) fn record_of(any: &AnyLoginFlow) -> FlowRecord {
    match any {
        AnyLoginFlow::Enrollment(AnyEnrollment::Pending(f)) => FlowRecord::of(f),
        AnyLoginFlow::Enrollment(AnyEnrollment::Sms(f)) => FlowRecord::of(f),
        AnyLoginFlow::Enrollment(AnyEnrollment::Totp(f)) => FlowRecord::of(f),
        AnyLoginFlow::Challenge(AnyChallenge::Sms(f)) => FlowRecord::of(f),
        AnyLoginFlow::Challenge(AnyChallenge::Totp(f)) => FlowRecord::of(f),
        AnyLoginFlow::MemberSession(f) => FlowRecord::of(f),
    }
}

/// Give `flow` a stored row at version 1 (as if it had been routed there), then write it over
/// that row once, as a transition does.
pub(super) async fn put<S: FlowState>(store: &impl FlowStore, flow: LoginFlow<S>) -> LoginFlow<S> {
    let mut flow = flow;
    flow.core.version = 1;
    store
        .insert(&NewFlow(FlowRecord::of(&flow)))
        .await
        .expect("insert");
    store.save_flow(flow).await.expect("save")
}

async fn assert_round_trip<S: FlowState>(store: &impl FlowStore, flow: LoginFlow<S>) {
    let saved = put(store, flow).await;
    let raw = store.load(saved.id()).await.expect("load");
    assert_eq!(columns(&raw), columns(&FlowRecord::of(&saved)));
    let any = store.load_flow(saved.id(), t0()).await.expect("typed load");
    assert_eq!(any.kind(), S::KIND);
    assert_eq!(columns(&record_of(&any)), columns(&FlowRecord::of(&saved)));
}

pub(super) fn routed(resp: &stytch_client::wire::PrimaryAuthResponse) -> AfterPrimary {
    PrimaryAuthed::from_primary_response(resp, t0(), Duration::hours(1))
        .unwrap()
        .route()
}

async fn every_state_round_trips<D: TestDb>(db: D) {
    let store = db.open().await;

    // Each way out of primary auth, inserted once in the state it routed to.
    let to_challenge = pending(
        json!({}),
        json!({"mfa_phone_number_verified":true}),
        json!({"member_options":{"mfa_phone_number":"+15005550006","totp_registration_id":""}}),
    );
    for resp in [
        authenticated(),
        pending(json!({}), json!({}), json!({"member_options":null})),
        to_challenge,
    ] {
        let f = store.insert_flow(routed(&resp)).await.unwrap();
        let any = store.load_flow(f.id(), t0()).await.unwrap();
        assert_eq!(any.version(), 1);
        let expected = match &f {
            AfterPrimary::Session(f) => FlowRecord::of(f),
            AfterPrimary::Enroll(f) => FlowRecord::of(f),
            AfterPrimary::Challenge(AnyChallenge::Sms(f)) => FlowRecord::of(f),
            AfterPrimary::Challenge(AnyChallenge::Totp(f)) => FlowRecord::of(f),
        };
        assert_eq!(columns(&record_of(&any)), columns(&expected));
    }

    assert_round_trip(&store, enrollment(json!({}))).await;
    assert_round_trip(
        &store,
        enrollment(json!({}))
            .sms_code_sent("+15005550006".into())
            .unwrap(),
    )
    .await;
    assert_round_trip(
        &store,
        enrollment(json!({})).totp_created("t-1".into()).unwrap(),
    )
    .await;
    assert_round_trip(
        &store,
        session().begin_enrollment(MethodSet::ALL, true).unwrap(),
    )
    .await;
    assert_round_trip(&store, challenge()).await;
    let failed = match challenge().switch_to::<Totp>().unwrap().record_failure(5) {
        AfterFailure::Retry(f) => f,
        AfterFailure::Exhausted(_) => panic!("one failure cannot exhaust"),
    };
    assert_round_trip(&store, failed).await;
    match session().begin_step_up(MethodSet::ALL, None).unwrap() {
        AnyChallenge::Sms(f) => assert_round_trip(&store, f).await,
        AnyChallenge::Totp(f) => assert_round_trip(&store, f).await,
    }
    assert_round_trip(&store, session()).await;
}

async fn reopening_the_store_keeps_the_flow<D: TestDb>(db: D) {
    let store = db.open().await;
    let saved = put(&store, challenge()).await;
    drop(store);

    let store = db.open().await;
    let again = store.load_flow(saved.id(), t0()).await.unwrap();
    assert_eq!(
        columns(&record_of(&again)),
        columns(&FlowRecord::of(&saved))
    );
}

async fn compare_and_set_lets_exactly_one_of_two_writers_win<D: TestDb>(db: D) {
    let store = Arc::new(db.open().await);
    let id = put(&*store, challenge()).await.id();
    let barrier = Arc::new(tokio::sync::Barrier::new(2));

    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                let flow = store
                    .load_flow(id, t0())
                    .await?
                    .into_state::<ChallengePendingAlias>()
                    .unwrap();
                barrier.wait().await; // both have read the same version
                let AfterFailure::Retry(flow) = flow.record_failure(5) else {
                    unreachable!("5 > 2")
                };
                store.save_flow(flow).await.map(|f| f.version())
            })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }

    let wins: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
    let stale = results
        .iter()
        .filter(|r| matches!(r, Err(StoreError::Stale(x)) if *x == id))
        .count();
    assert_eq!((wins.len(), stale), (1, 1), "{results:?}");
    let stored = store
        .load_flow(id, t0())
        .await
        .unwrap()
        .into_state::<ChallengePendingAlias>()
        .unwrap();
    assert_eq!((stored.failures(), stored.version()), (1, *wins[0]));
}

type ChallengePendingAlias = ChallengePending<Sms>;

async fn expired_flows_are_refused_and_purged<D: TestDb>(db: D) {
    let store = db.open().await;
    let flow = put(&store, challenge()).await;
    let (id, expires) = (flow.id(), flow.expires_at());

    assert!(
        store
            .load_flow(id, expires - Duration::seconds(1))
            .await
            .is_ok()
    );
    assert!(matches!(store.load_flow(id, expires).await, Err(StoreError::Expired(x)) if x == id));
    assert_eq!(
        store
            .purge_expired(expires - Duration::seconds(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.purge_expired(expires).await.unwrap(), 1);
    assert!(matches!(store.load_flow(id, t0()).await, Err(StoreError::NotFound(x)) if x == id));
}

async fn saving_a_deleted_flow_is_not_found_and_deleting_twice_is_not_found<D: TestDb>(db: D) {
    let store = db.open().await;
    let flow = put(&store, challenge()).await;
    let (id, v) = (flow.id(), flow.version());
    assert!(matches!(
        store.delete(id, v + 1).await,
        Err(StoreError::Stale(_))
    ));
    store.delete(id, v).await.unwrap();
    assert!(matches!(
        store.save_flow(flow).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.delete(id, v).await,
        Err(StoreError::NotFound(_))
    ));
}

async fn inserting_the_same_flow_twice_is_a_duplicate<D: TestDb>(db: D) {
    let store = db.open().await;
    let AfterPrimary::Session(f) = routed(&authenticated()) else {
        panic!("an authenticated response routes to a session")
    };
    let mut copy = FlowRecord::of(&f);
    copy.version = 1;
    store.insert_flow(AfterPrimary::Session(f)).await.unwrap();
    assert!(matches!(
        store.insert(&NewFlow(copy)).await,
        Err(StoreError::Duplicate(_))
    ));
}

#[test]
fn a_row_that_breaks_the_rules_is_corrupt_even_without_checks() {
    let mut rec = FlowRecord::of(&challenge());
    rec.version = 1;
    rec.challenge_method = Some("totp".into());
    rec.totp_enrolled = Some(false);
    assert!(matches!(
        rec.clone().into_flow(),
        Err(StoreError::Corrupt { .. })
    ));
    rec.challenge_method = Some("carrier_pigeon".into());
    assert!(matches!(rec.into_flow(), Err(StoreError::Corrupt { .. })));
}

async fn routed_flows_are_inserted_at_version_one_and_advance_on_save<D: TestDb>(db: D) {
    let store = db.open().await;
    let resp = pending(json!({}), json!({}), json!({"member_options":null}));
    let AfterPrimary::Enroll(e) = store.insert_flow(routed(&resp)).await.unwrap() else {
        panic!("enroll")
    };
    assert_eq!(e.version(), 1);
    let e = store
        .save_flow(e.totp_created("t-1".into()).unwrap())
        .await
        .unwrap();
    assert_eq!(e.version(), 2);
    assert_eq!(store.load_flow(e.id(), t0()).await.unwrap().version(), 2);
}

on_both_backends!(
    every_state_round_trips,
    reopening_the_store_keeps_the_flow,
    compare_and_set_lets_exactly_one_of_two_writers_win,
    expired_flows_are_refused_and_purged,
    saving_a_deleted_flow_is_not_found_and_deleting_twice_is_not_found,
    inserting_the_same_flow_twice_is_a_duplicate,
    routed_flows_are_inserted_at_version_one_and_advance_on_save,
);
