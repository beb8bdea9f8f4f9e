//! Store tests: every state survives a round trip, the CHECK constraints refuse hand-written
//! impossible rows, compare-and-set lets exactly one of two racing writers win, expiry.
//! Over 400 lines because the table of impossible rows is one list, kept whole so each row's one
//! change is read next to the good row it breaks.

use std::sync::Arc;

use chrono::Duration;
use serde_json::json;
use stytch_client::secret::ExposeSecretStr;

use super::*;
use crate::flow::tests::{challenge, enrollment, session};
use crate::flow::{
    AfterFailure, AfterPrimary, AnyChallenge, AnyEnrollment, AnyLoginFlow, ChallengePending,
    PrimaryAuthed,
};
use crate::kind::{Sms, Totp};
use crate::method::MethodSet;
use crate::test_support::{authenticated, pending, t0};

/// Every column, secrets exposed, so two records can be compared exactly.
fn columns(r: &FlowRecord) -> String {
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

fn record_of(any: &AnyLoginFlow) -> FlowRecord {
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
async fn put<S: FlowState>(store: &SqliteFlowStore, flow: LoginFlow<S>) -> LoginFlow<S> {
    let mut flow = flow;
    flow.core.version = 1;
    store
        .insert(&NewFlow(FlowRecord::of(&flow)))
        .await
        .expect("insert");
    store.save_flow(flow).await.expect("save")
}

async fn assert_round_trip<S: FlowState>(store: &SqliteFlowStore, flow: LoginFlow<S>) {
    let saved = put(store, flow).await;
    let raw = store.load(saved.id()).await.expect("load");
    assert_eq!(columns(&raw), columns(&FlowRecord::of(&saved)));
    let any = store.load_flow(saved.id(), t0()).await.expect("typed load");
    assert_eq!(any.kind(), S::KIND);
    assert_eq!(columns(&record_of(&any)), columns(&FlowRecord::of(&saved)));
}

fn routed(resp: &stytch_client::wire::PrimaryAuthResponse) -> AfterPrimary {
    PrimaryAuthed::from_primary_response(resp, t0(), Duration::hours(1))
        .unwrap()
        .route()
}

#[tokio::test]
async fn every_state_round_trips() {
    let store = SqliteFlowStore::in_memory().await.unwrap();

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

#[tokio::test]
async fn reopening_the_file_keeps_the_flow() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flows.db");
    let store = SqliteFlowStore::open(&path).await.unwrap();
    let saved = put(&store, challenge()).await;
    store.close().await;

    let store = SqliteFlowStore::open(&path).await.unwrap();
    let again = store.load_flow(saved.id(), t0()).await.unwrap();
    assert_eq!(
        columns(&record_of(&again)),
        columns(&FlowRecord::of(&saved))
    );
}

#[tokio::test]
async fn compare_and_set_lets_exactly_one_of_two_writers_win() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteFlowStore::open(dir.path().join("race.db"))
            .await
            .unwrap(),
    );
    let id = put(&store, challenge()).await.id();
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

#[tokio::test]
async fn expired_flows_are_refused_and_purged() {
    let store = SqliteFlowStore::in_memory().await.unwrap();
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

#[tokio::test]
async fn saving_a_deleted_flow_is_not_found_and_deleting_twice_is_not_found() {
    let store = SqliteFlowStore::in_memory().await.unwrap();
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

#[tokio::test]
async fn inserting_the_same_flow_twice_is_a_duplicate() {
    let store = SqliteFlowStore::in_memory().await.unwrap();
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

/// A valid `challenge_pending` row; each bad row below changes one thing about it.
const GOOD: &[(&str, &str)] = &[
    ("flow_id", "'00000000-0000-4000-8000-000000000001'"),
    ("version", "1"),
    ("state", "'challenge_pending'"),
    ("organization_id", "'org-1'"),
    ("member_id", "'mem-1'"),
    ("sms_allowed", "1"),
    ("totp_allowed", "1"),
    ("created_at", "100"),
    ("expires_at", "700"),
    ("intermediate_session_token", "'ist'"),
    ("sms_enrolled", "1"),
    ("totp_enrolled", "0"),
    ("challenge_method", "'sms_otp'"),
    ("sms_sent", "1"),
    ("failures", "0"),
];

async fn insert_row(store: &SqliteFlowStore, changes: &[(&str, &str)]) -> Result<(), sqlx::Error> {
    let mut cols: Vec<(&str, &str)> = GOOD.to_vec();
    for (c, v) in changes {
        match cols.iter_mut().find(|(k, _)| k == c) {
            Some(slot) => slot.1 = v,
            None => cols.push((c, v)),
        }
    }
    let names = cols.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ");
    let values = cols.iter().map(|(_, v)| *v).collect::<Vec<_>>().join(", ");
    sqlx::query(&format!(
        "INSERT INTO login_flows ({names}) VALUES ({values})"
    ))
    .execute(store.pool())
    .await
    .map(|_| ())
}

#[tokio::test]
async fn check_constraints_reject_hand_written_impossible_rows() {
    let store = SqliteFlowStore::in_memory().await.unwrap();
    let bad: &[(&str, &[(&str, &str)])] = &[
        (
            "IST and session token together",
            &[("session_token", "'st'")],
        ),
        (
            "no credential at all",
            &[("intermediate_session_token", "NULL")],
        ),
        (
            "challenge method not enrolled",
            &[("challenge_method", "'totp'"), ("sms_sent", "0")],
        ),
        (
            "SMS sent while on TOTP",
            &[("challenge_method", "'totp'"), ("totp_enrolled", "1")],
        ),
        ("enrolled method not allowed", &[("sms_allowed", "0")]),
        ("challenge without failure count", &[("failures", "NULL")]),
        ("negative failures", &[("failures", "-1")]),
        ("expires before it was created", &[("expires_at", "100")]),
        ("unknown state", &[("state", "'done'")]),
        // The transient state of migration 0001 is gone: a flow is stored once routed.
        (
            "the transient primary_authed state",
            &[("state", "'primary_authed'")],
        ),
        ("version zero", &[("version", "0")]),
        (
            "member session with an IST",
            &[
                ("state", "'member_session'"),
                ("sms_enrolled", "NULL"),
                ("totp_enrolled", "NULL"),
                ("challenge_method", "NULL"),
                ("sms_sent", "NULL"),
                ("failures", "NULL"),
            ],
        ),
        (
            "member session carrying challenge columns",
            &[
                ("state", "'member_session'"),
                ("intermediate_session_token", "NULL"),
                ("session_token", "'st'"),
            ],
        ),
        (
            "enrollment started on SMS without a phone",
            &[
                ("state", "'enrollment_pending'"),
                ("sms_enrolled", "NULL"),
                ("totp_enrolled", "NULL"),
                ("challenge_method", "NULL"),
                ("sms_sent", "NULL"),
                ("offer_sms", "1"),
                ("offer_totp", "0"),
                ("set_mfa_enrollment", "0"),
                ("enroll_method", "'sms_otp'"),
            ],
        ),
        (
            "enrollment offering nothing",
            &[
                ("state", "'enrollment_pending'"),
                ("sms_enrolled", "NULL"),
                ("totp_enrolled", "NULL"),
                ("challenge_method", "NULL"),
                ("sms_sent", "NULL"),
                ("offer_sms", "0"),
                ("offer_totp", "0"),
                ("set_mfa_enrollment", "0"),
            ],
        ),
        (
            "nothing started, yet a wrong code counted",
            &[
                ("state", "'enrollment_pending'"),
                ("sms_enrolled", "NULL"),
                ("totp_enrolled", "NULL"),
                ("challenge_method", "NULL"),
                ("sms_sent", "NULL"),
                ("offer_sms", "1"),
                ("offer_totp", "0"),
                ("set_mfa_enrollment", "0"),
                ("failures", "1"),
            ],
        ),
        (
            "optional enrollment with an IST",
            &[
                ("state", "'enrollment_pending'"),
                ("sms_enrolled", "NULL"),
                ("totp_enrolled", "NULL"),
                ("challenge_method", "NULL"),
                ("sms_sent", "NULL"),
                ("offer_sms", "1"),
                ("offer_totp", "0"),
                ("set_mfa_enrollment", "1"),
            ],
        ),
        ("boolean that is not 0/1", &[("sms_sent", "2")]),
        (
            "text in an integer column (STRICT)",
            &[("failures", "'zero'")],
        ),
    ];
    for (why, changes) in bad {
        let err = insert_row(&store, changes).await.expect_err(why);
        let msg = err.to_string();
        assert!(
            msg.contains("constraint failed") || msg.contains("cannot store"),
            "{why}: {msg}"
        );
    }
    // The base row itself is fine, so each failure above is due to its one change.
    insert_row(&store, &[]).await.expect("the good row");
    let any = store
        .load_flow(
            FlowId::parse("00000000-0000-4000-8000-000000000001").unwrap(),
            chrono::DateTime::from_timestamp(200, 0).unwrap(),
        )
        .await;
    assert!(
        matches!(any, Ok(AnyLoginFlow::Challenge(AnyChallenge::Sms(_)))),
        "{any:?}"
    );
}

#[tokio::test]
async fn a_row_that_breaks_the_rules_is_corrupt_even_without_checks() {
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

#[tokio::test]
async fn routed_flows_are_inserted_at_version_one_and_advance_on_save() {
    let store = SqliteFlowStore::in_memory().await.unwrap();
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
