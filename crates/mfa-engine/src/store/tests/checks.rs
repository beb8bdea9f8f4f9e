//! The CHECK constraints of both schemas refuse hand-written impossible rows, on both backends.
//! Values are written so both accept them (`TRUE`/`FALSE` are SQLite's 1/0 and Postgres's
//! booleans). Over 150 lines because the table of impossible rows is one list, kept whole so
//! each row's one change is read next to the good row it breaks.

use super::backends::{TestDb, on_both_backends};
use crate::flow::{AnyChallenge, AnyLoginFlow, FlowId};
use crate::store::FlowStore;

/// A valid `challenge_pending` row; each bad row below changes one thing about it.
const GOOD: &[(&str, &str)] = &[
    ("flow_id", "'00000000-0000-4000-8000-000000000001'"),
    ("version", "1"),
    ("state", "'challenge_pending'"),
    ("organization_id", "'org-1'"),
    ("member_id", "'mem-1'"),
    ("sms_allowed", "TRUE"),
    ("totp_allowed", "TRUE"),
    ("created_at", "100"),
    ("expires_at", "700"),
    ("intermediate_session_token", "'ist'"),
    ("sms_enrolled", "TRUE"),
    ("totp_enrolled", "FALSE"),
    ("challenge_method", "'sms_otp'"),
    ("sms_sent", "TRUE"),
    ("failures", "0"),
];

async fn insert_row<D: TestDb>(
    store: &D::Store,
    changes: &[(&str, &str)],
) -> Result<(), sqlx::Error> {
    let mut cols: Vec<(&str, &str)> = GOOD.to_vec();
    for (c, v) in changes {
        match cols.iter_mut().find(|(k, _)| k == c) {
            Some(slot) => slot.1 = v,
            None => cols.push((c, v)),
        }
    }
    let names = cols.iter().map(|(c, _)| *c).collect::<Vec<_>>().join(", ");
    let values = cols.iter().map(|(_, v)| *v).collect::<Vec<_>>().join(", ");
    D::execute(
        store,
        &format!("INSERT INTO login_flows ({names}) VALUES ({values})"),
    )
    .await
}

async fn check_constraints_reject_hand_written_impossible_rows<D: TestDb>(db: D) {
    let store = db.open().await;
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
            &[("challenge_method", "'totp'"), ("sms_sent", "FALSE")],
        ),
        (
            "SMS sent while on TOTP",
            &[("challenge_method", "'totp'"), ("totp_enrolled", "TRUE")],
        ),
        ("enrolled method not allowed", &[("sms_allowed", "FALSE")]),
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
                ("offer_sms", "TRUE"),
                ("offer_totp", "FALSE"),
                ("set_mfa_enrollment", "FALSE"),
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
                ("offer_sms", "FALSE"),
                ("offer_totp", "FALSE"),
                ("set_mfa_enrollment", "FALSE"),
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
                ("offer_sms", "TRUE"),
                ("offer_totp", "FALSE"),
                ("set_mfa_enrollment", "FALSE"),
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
                ("offer_sms", "TRUE"),
                ("offer_totp", "FALSE"),
                ("set_mfa_enrollment", "TRUE"),
            ],
        ),
        ("boolean that is not 0/1", &[("sms_sent", "2")]),
        (
            "text in an integer column (STRICT)",
            &[("failures", "'zero'")],
        ),
    ];
    for (why, changes) in bad {
        let err = insert_row::<D>(&store, changes).await.expect_err(why);
        assert!(D::is_refusal(&err), "{why}: {err}");
    }
    // The base row itself is fine, so each failure above is due to its one change.
    insert_row::<D>(&store, &[]).await.expect("the good row");
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

on_both_backends!(check_constraints_reject_hand_written_impossible_rows);
