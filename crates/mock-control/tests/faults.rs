//! The fault methods against an in-process mock: a rule added through the client fires as
//! configured (seen through the Stytch API), is listed with its hits, marks the request log,
//! and is removed one by one or all at once; a bad rule is the mock's refusal.

use mock_control::{ControlError, FaultAction, FaultKind, FaultMethod, FaultRule, MockControl};
use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use mock_stytch::{Config, MockServer};
use serde_json::{Value, json};

const SEARCH: &str = "/v1/b2b/organizations/search";

async fn search(mock: &MockServer) -> Result<(u16, Value), reqwest::Error> {
    let resp = reqwest::Client::new()
        .post(format!("{}{SEARCH}", mock.base_url))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .json(&json!({}))
        .send()
        .await?;
    let status = resp.status().as_u16();
    Ok((status, resp.json().await?))
}

#[tokio::test]
async fn add_list_mark_and_remove_faults() {
    let mock = MockServer::spawn(Config::for_tests()).await.unwrap();
    let control = MockControl::new(&mock.base_url, DEFAULT_PROJECT_ID, DEFAULT_SECRET);

    let mut rule = FaultRule::new(
        SEARCH,
        FaultAction::Error {
            error_type: "internal_server_error".into(),
            status: Some(503),
            error_message: None,
        },
    );
    rule.method = Some(FaultMethod::Post);
    rule.times = Some(1);
    let added = control.add_fault(&rule).await.unwrap();
    assert_eq!(added.id, "fault-1");
    assert_eq!(added.rule, rule);
    assert_eq!((added.hits, added.remaining), (0, Some(1)));

    let (status, body) = search(&mock).await.unwrap();
    assert_eq!(
        (status, body["error_type"].as_str()),
        (503, Some("internal_server_error"))
    );
    assert_eq!(search(&mock).await.unwrap().0, 200, "times: 1 is used up");
    let listed = control.faults().await.unwrap();
    assert_eq!((listed[0].hits, listed[0].remaining), (1, Some(0)));
    let log = control.requests(3).await.unwrap();
    let marks: Vec<_> = log
        .iter()
        .filter(|r| r.path == SEARCH)
        .map(|r| r.fault.clone())
        .collect();
    assert_eq!(marks.len(), 2);
    assert_eq!(
        marks[1].as_ref().map(|m| (m.rule.as_str(), m.kind)),
        Some(("fault-1", FaultKind::Error))
    );
    assert_eq!(marks[0], None);

    control
        .add_fault(&FaultRule::new(SEARCH, FaultAction::Drop))
        .await
        .unwrap();
    assert!(search(&mock).await.is_err(), "a drop is no answer");
    control.remove_fault("fault-2").await.unwrap();
    match control.remove_fault("fault-2").await {
        Err(e @ ControlError::Refused { .. }) => assert_eq!(e.error_type(), "fault_not_found"),
        other => panic!("{other:?}"),
    }
    control
        .add_fault(&FaultRule::new(SEARCH, FaultAction::TooManyRequests))
        .await
        .unwrap();
    assert_eq!(control.clear_faults().await.unwrap(), 2);
    assert!(control.faults().await.unwrap().is_empty());
    assert_eq!(search(&mock).await.unwrap().0, 200);

    let bad = FaultRule {
        probability: Some(2.0),
        ..FaultRule::new(SEARCH, FaultAction::Drop)
    };
    match control.add_fault(&bad).await {
        Err(e @ ControlError::Refused { .. }) => assert_eq!(e.error_type(), "invalid_argument"),
        other => panic!("{other:?}"),
    }
    mock.stop().await.unwrap();
}
