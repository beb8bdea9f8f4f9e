//! The flow lives in the engine's SQLite store and the CSRF key on disk: the app (and its
//! embedded mock) can restart between two steps of a login.

use crate::helpers::*;

#[tokio::test]
async fn the_app_restarts_mid_login_and_the_login_completes() {
    // Arrange: signed in with the password, waiting for the SMS code.
    let app = spawn_app().await;
    let tab = app.tab();
    tab.login(&app.org_id("Acme Corp"), "alice@acme.example")
        .await;
    let code = app.sms_code("+14155552671").await;
    let token_before = tab.csrf().await;

    // Act: restart (new ports, same files), then submit the form rendered before the restart.
    let app = app.restart().await;
    let tab = tab.at(&app.url);
    let done = tab
        .post_raw(
            "/challenge/code",
            &[
                ("csrf", &token_before),
                ("code", &code),
                ("purpose", "login"),
            ],
        )
        .await;
    let home = tab.follow(&done).await;

    // Assert
    done.assert_redirect("/home?notice=signed-in");
    assert!(home.body.contains("alice@acme.example"));
    assert_eq!(
        app.demo.members.len(),
        5,
        "the restart reused the seeded data"
    );
}
