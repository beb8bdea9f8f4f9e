//! The flow lives in SQLite, not in memory: a new process (new service, same file) continues it.

use crate::helpers::*;

#[tokio::test]
async fn a_flow_survives_reopening_the_database_mid_flow() {
    let app = spawn_app().await;
    let (org, member) = app.org_with_member(REQUIRED, "restart@example.com").await;
    let step = app
        .login_with_magic_link(&org, "restart@example.com")
        .await
        .unwrap();
    let flow = expect_enroll(&step);
    app.service.enroll_sms(flow, PHONE).await.unwrap();
    app.service.store().close().await;

    let reopened = open_service(&app.mock.base_url, &app.db_path, &app.clock).await;
    let code = app.latest_sms_code(&member).await;
    let done = reopened
        .confirm_enrollment(flow, code.into())
        .await
        .unwrap();

    let signed_in = expect_signed_in(done);
    assert_eq!(signed_in.flow_id, flow);
    app.assert_session_is_live(&signed_in).await;
}
