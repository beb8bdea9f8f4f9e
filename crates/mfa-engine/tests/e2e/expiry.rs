//! Expiry: Stytch's IST runs out (mock clock), or the engine's own clock passes the flow's
//! expiry; either way the flow is refused and can be purged.

use chrono::Duration;
use mfa_engine::ServiceError;

use crate::helpers::*;

#[tokio::test]
async fn an_ist_that_expired_at_stytch_ends_the_flow() {
    let app = spawn_app().await;
    let (org, member) = app.org_with_member(REQUIRED, "late@example.com").await;
    let step = app
        .login_with_magic_link(&org, "late@example.com")
        .await
        .unwrap();
    let flow = expect_enroll(&step);
    app.service.enroll_sms(flow, PHONE).await.unwrap();
    let code = app.latest_sms_code(&member).await;

    app.advance_mock_clock(11 * 60).await;
    let err = app
        .service
        .confirm_enrollment(flow, code.into())
        .await
        .unwrap_err();

    assert!(
        matches!(err, ServiceError::Expired(id) if id == flow),
        "{err:?}"
    );
    // Trying again is refused the same way; once the engine's clock passes the IST's expiry
    // the row is refused locally and purged.
    let code = app.latest_sms_code(&member).await;
    let again = app
        .service
        .confirm_enrollment(flow, code.into())
        .await
        .unwrap_err();
    assert!(matches!(again, ServiceError::Expired(_)), "{again:?}");
    app.clock.advance(Duration::minutes(11));
    assert!(matches!(
        app.service.resume(flow).await.unwrap_err(),
        ServiceError::Expired(_)
    ));
    assert_eq!(app.service.purge_expired().await.unwrap(), 1);
}

#[tokio::test]
async fn the_engine_refuses_an_expired_flow_without_asking_stytch_and_purges_it() {
    let app = spawn_app().await;
    let (org, _member) = app.org_with_member(REQUIRED, "old@example.com").await;
    let step = app
        .login_with_magic_link(&org, "old@example.com")
        .await
        .unwrap();
    let flow = expect_enroll(&step);

    app.clock.advance(Duration::minutes(11));
    let err = app.service.enroll_sms(flow, PHONE).await.unwrap_err();
    let purged = app.service.purge_expired().await.unwrap();

    assert!(
        matches!(err, ServiceError::Expired(id) if id == flow),
        "{err:?}"
    );
    assert_eq!(purged, 1);
    assert!(matches!(
        app.service.resume(flow).await.unwrap_err(),
        ServiceError::NotFound(_)
    ));
}
