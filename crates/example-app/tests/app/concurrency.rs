//! Two tabs, one flow: the loser gets "already completed in another tab", never an error dump.

use crate::helpers::*;

const ANOTHER_TAB: &str = "already completed in another tab";

#[tokio::test]
async fn submitting_in_a_second_tab_after_the_first_finished_is_explained() {
    // Arrange: both tabs show the code form of one flow.
    let app = spawn_app().await;
    let first = app.tab();
    first
        .login(&app.org_id("Acme Corp"), "alice@acme.example")
        .await;
    let second = first.same_browser();
    let code = app.sms_code("+14155552671").await;

    // Act
    let won = first.submit_code(&code).await;
    let late = second.submit_code(&code).await;

    // Assert
    won.assert_redirect("/home");
    assert_eq!(late.status, 409, "{late:?}");
    assert!(late.body.contains(ANOTHER_TAB), "{}", late.body);
    late.assert_friendly();
}

#[tokio::test]
async fn concurrent_submissions_of_one_flow_lose_cleanly() {
    // Arrange
    let app = spawn_app().await;
    let tab = app.tab();
    tab.login(&app.org_id("Acme Corp"), "alice@acme.example")
        .await;
    let token = tab.csrf().await;
    let form = [
        ("csrf", token.as_str()),
        ("code", "000001"),
        ("purpose", "login"),
    ];

    // Act: wrong codes at once; each loads the same version, so all but one save goes stale.
    let pages = futures_join(&tab, &form).await;

    // Assert
    let stale = pages.iter().filter(|p| p.status == 409).count();
    assert!(
        stale >= 1,
        "no concurrent loser: {:?}",
        pages.iter().map(|p| p.status).collect::<Vec<_>>()
    );
    for p in &pages {
        assert!(p.status < 500, "{p:?}");
        p.assert_friendly();
        if p.status == 409 {
            assert!(p.body.contains(ANOTHER_TAB), "{}", p.body);
        }
    }
}

async fn futures_join(tab: &Tab, form: &[(&str, &str)]) -> Vec<Page> {
    let (a, b, c, d) = tokio::join!(
        tab.post_raw("/challenge/code", form),
        tab.post_raw("/challenge/code", form),
        tab.post_raw("/challenge/code", form),
        tab.post_raw("/challenge/code", form),
    );
    vec![a, b, c, d]
}
