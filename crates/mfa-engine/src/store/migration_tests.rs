//! The engine's migrations as SQL: 0002 drops the transient `primary_authed` rows of 0001 and
//! keeps every routed row loadable. Runs the two files directly (not through the migrator), so
//! the database can be stopped between them.

use super::SqliteFlowStore;
use crate::flow::FlowId;
use crate::kind::Sms;
use crate::store::FlowStore;

#[tokio::test]
async fn migration_0002_drops_transient_rows_and_keeps_routed_ones() {
    // Arrange: a database as 0001 left it, with one row of each kind that matters.
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect("sqlite::memory:")
        .await
        .unwrap();
    let v1 = include_str!("../../../../migrations/engine/0001_login_flows.sql");
    let v2 = include_str!("../../../../migrations/engine/0002_routed_states_only.sql");
    sqlx::raw_sql(v1).execute(&pool).await.unwrap();
    sqlx::raw_sql(
        "INSERT INTO login_flows (flow_id, version, state, organization_id, member_id,
             sms_allowed, totp_allowed, created_at, expires_at, intermediate_session_token,
             sms_enrolled, totp_enrolled, sms_auto_sent, default_method)
         VALUES ('00000000-0000-4000-8000-00000000000a', 1, 'primary_authed', 'org-1', 'mem-1',
             1, 1, 100, 700, 'ist', 1, 1, 0, 'totp');
         INSERT INTO login_flows (flow_id, version, state, organization_id, member_id,
             sms_allowed, totp_allowed, created_at, expires_at, intermediate_session_token,
             offer_sms, offer_totp, enroll_method, phone_number, set_mfa_enrollment, failures)
         VALUES ('00000000-0000-4000-8000-00000000000b', 3, 'enrollment_pending', 'org-1',
             'mem-1', 1, 1, 100, 700, 'ist', 1, 1, 'sms_otp', '+15005550006', 0, 2);",
    )
    .execute(&pool)
    .await
    .unwrap();

    // Act
    sqlx::raw_sql(v2).execute(&pool).await.unwrap();

    // Assert: the transient row is gone, the routed one loads as it was.
    let rows: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT flow_id, state, version FROM login_flows")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        rows,
        vec![(
            "00000000-0000-4000-8000-00000000000b".to_owned(),
            "enrollment_pending".to_owned(),
            3
        )]
    );
    let store = SqliteFlowStore {
        writer: pool,
        direct: None,
    };
    let id = FlowId::parse("00000000-0000-4000-8000-00000000000b").unwrap();
    let f = store
        .load_flow(id, chrono::DateTime::from_timestamp(200, 0).unwrap())
        .await
        .unwrap()
        .into_state::<crate::flow::EnrollmentCodePending<Sms>>()
        .unwrap();
    assert_eq!(f.failures(), 2);
}
