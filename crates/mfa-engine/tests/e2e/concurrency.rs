//! Two submissions of the same flow at once (a double click, two tabs): one signs in, the
//! other gets a clear error, and the stored flow is the winner's session.
//!
//! Which error the loser gets depends on how far the winner got when the loser loaded the flow:
//! a lost compare-and-set (`Stale`), a code Stytch already consumed (`WrongCode`, `Expired`), or,
//! when the winner had already finished, a flow that is a session now (`WrongState`, found
//! `MemberSession`). Each is a clean loss; a second session or any other error is not.

use mfa_engine::{LoginStep, ServiceError, StateKind};

use crate::helpers::*;

#[tokio::test]
async fn double_submission_of_the_right_code_signs_in_exactly_once() {
    // Arrange
    let app = spawn_app().await;
    let (org, member) = app.org_with_member(REQUIRED, "twice@example.com").await;
    let first = app.enroll_by_sms(&org, &member, "twice@example.com").await;
    app.service.logout(first.flow_id).await.unwrap();
    let challenge = expect_challenge(
        app.login_with_magic_link(&org, "twice@example.com")
            .await
            .unwrap(),
    );
    let code = app.latest_sms_code(&member).await;

    // Act
    let (a, b) = tokio::join!(
        app.service
            .submit_code(challenge.flow_id, code.clone().into()),
        app.service.submit_code(challenge.flow_id, code.into()),
    );

    // Assert
    let results = [a, b];
    let wins = results
        .iter()
        .filter(|r| matches!(r, Ok(LoginStep::SignedIn(_))))
        .count();
    let clean_losses = results
        .iter()
        .filter(|r| {
            matches!(
                r,
                Err(ServiceError::Stale(_)
                    | ServiceError::Expired(_)
                    | ServiceError::WrongCode { .. })
            ) || matches!(r, Err(ServiceError::WrongState(u)) if u.found == StateKind::MemberSession)
        })
        .count();
    assert_eq!((wins, clean_losses), (1, 1), "{results:?}");
    let stored = expect_signed_in(app.service.resume(challenge.flow_id).await.unwrap());
    app.assert_session_is_live(&stored).await;
}
