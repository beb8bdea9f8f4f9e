//! The snapshot methods against an in-process mock: a snapshot taken to a path or as bytes
//! brings the state back when restored (an organization created after it is gone, and the
//! same create then gets the same id), and the mock's refusals come back as `Refused`.

use mock_control::MockControl;
use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use mock_stytch::{Config, MockServer};
use serde_json::{Value, json};

async fn create_org(mock: &MockServer, slug: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/b2b/organizations", mock.base_url))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .json(&json!({"organization_name": slug, "organization_slug": slug}))
        .send()
        .await
        .unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test]
async fn a_restored_snapshot_brings_the_state_back_and_refusals_are_errors() {
    let mock = MockServer::spawn(Config {
        frozen_clock: Some("2030-01-01T00:00:00Z".parse().unwrap()),
        ..Config::for_tests()
    })
    .await
    .unwrap();
    let control = MockControl::new(&mock.base_url, DEFAULT_PROJECT_ID, DEFAULT_SECRET);
    assert_eq!(create_org(&mock, "first").await.0, 200);

    // On the mock's machine, which is this one.
    let path = std::env::temp_dir().join(format!(
        "mock-control-snapshot-{}.sqlite",
        std::process::id()
    ));
    let written = control.snapshot_to(path.to_str().unwrap()).await.unwrap();
    assert_eq!(written.path, path.to_str().unwrap());
    assert_eq!(written.size_bytes, std::fs::metadata(&path).unwrap().len());
    let bytes = control.snapshot_bytes().await.unwrap();
    assert_eq!(&bytes[..16], b"SQLite format 3\0");

    let (_, later) = create_org(&mock, "later").await;
    let restored = control.restore_from(path.to_str().unwrap()).await.unwrap();
    assert!(restored.restored);
    assert_eq!(restored.now, control.now().await.unwrap());
    // `later` is gone: the same create succeeds again, with the same id.
    let (status, again) = create_org(&mock, "later").await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(
        again["organization"]["organization_id"],
        later["organization"]["organization_id"]
    );
    control.restore_bytes(bytes).await.unwrap();
    assert_eq!(create_org(&mock, "later").await.0, 200);

    let refused = control.restore_bytes(b"not sqlite".to_vec()).await;
    let err = refused.unwrap_err();
    assert_eq!(
        (err.status(), err.error_type()),
        (Some(400), "invalid_snapshot")
    );
    let err = control.snapshot_to("relative.sqlite").await.unwrap_err();
    assert_eq!(
        (err.status(), err.error_type()),
        (Some(400), "invalid_argument")
    );
    std::fs::remove_file(&path).unwrap();
    mock.stop().await.unwrap();
}
