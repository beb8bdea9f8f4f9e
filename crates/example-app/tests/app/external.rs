//! With Stytch credentials the app talks to that Stytch: no embedded mock, no seeding, no
//! dashboard. Here "that Stytch" is a separately started mock-stytch.

use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use mock_stytch::{Config, MockServer};
use stytch_client::api::members::MemberCreateRequest;
use stytch_client::api::organizations::OrganizationSettings;
use stytch_client::{ClientConfig, StytchClient};

use example_app::{Application, Backend, Settings};

use crate::helpers::Tab;

#[tokio::test]
async fn a_configured_stytch_is_used_as_is() {
    // Arrange: an organization on the external Stytch, and the app pointed at it.
    let stytch_mock = MockServer::spawn(Config::for_tests()).await.unwrap();
    let client = ClientConfig::new(&stytch_mock.base_url, DEFAULT_PROJECT_ID, DEFAULT_SECRET);
    let admin = StytchClient::new(client.clone()).unwrap();
    let settings = OrganizationSettings {
        organization_name: Some("Outside Org".into()),
        organization_slug: Some("outside".into()),
        ..OrganizationSettings::default()
    };
    let org = admin
        .organizations_create(&settings)
        .await
        .unwrap()
        .organization;
    let member = MemberCreateRequest {
        email_address: "olga@outside.example".into(),
        ..MemberCreateRequest::default()
    };
    admin
        .members_create(&org.organization_id, &member)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let app = Application::build(Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        data_dir: dir.path().to_owned(),
        flow_store: None,
        public_url: None,
        backend: Backend::Stytch {
            client,
            organization_ids: vec![org.organization_id.clone()],
        },
    })
    .await
    .unwrap();
    let url = format!("http://127.0.0.1:{}", app.port());
    assert!(app.mock_url().is_none(), "no embedded mock");
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let tab = Tab::new(&url);

    // Act: sign in by magic link (the email read from the external mock's outbox).
    let login = tab.get("/login").await;
    let sent = tab
        .post(
            "/login/magic-link",
            &[
                ("organization_id", &org.organization_id),
                ("email", "olga@outside.example"),
            ],
        )
        .await;
    let control =
        mock_control::MockControl::new(&stytch_mock.base_url, DEFAULT_PROJECT_ID, DEFAULT_SECRET);
    let token = control
        .magic_link_token("olga@outside.example")
        .await
        .unwrap();
    let callback = tab
        .get(&format!(
            "/authenticate?stytch_token_type=multi_tenant_magic_links&token={token}"
        ))
        .await;
    let dashboard = tab.get("/_mock/ui").await;

    // Assert
    assert!(login.body.contains("Outside Org"), "{}", login.body);
    assert!(!login.body.contains("id=\"demo-accounts\""));
    assert!(
        !sent.body.contains("/_mock/ui"),
        "no dashboard link without the demo"
    );
    callback.assert_redirect("/home");
    assert!(
        tab.follow(&callback)
            .await
            .body
            .contains("olga@outside.example")
    );
    assert_eq!(dashboard.status, 404);
    assert!(!dir.path().join("demo.json").exists(), "nothing was seeded");
}
