//! Organizations: every response shape (schema + snapshot) and every validation error.

use serde_json::json;

use crate::helpers::{assert_error, spawn_frozen};
use crate::schema::assert_valid;

#[tokio::test]
async fn create_get_update_search_delete_have_stytch_shapes() {
    // Arrange
    let mock = spawn_frozen().await;

    // Act + Assert: create
    let created = mock
        .ok_post(
            "/v1/b2b/organizations",
            json!({"organization_name": "Acme Inc", "organization_slug": "acme", "mfa_policy": "REQUIRED_FOR_ALL",
                   "mfa_methods": "RESTRICTED", "allowed_mfa_methods": ["totp"], "email_allowed_domains": ["Acme.com"]}),
        )
        .await;
    assert_valid("organizations.CreateResponse", &created);
    insta::assert_json_snapshot!("org_create", created);
    let org = &created["organization"];
    assert_eq!(org["mfa_policy"], "REQUIRED_FOR_ALL");
    assert_eq!(org["allowed_mfa_methods"], json!(["totp"]));
    assert_eq!(org["email_allowed_domains"], json!(["acme.com"]));
    let id = org["organization_id"].as_str().unwrap();
    assert!(id.starts_with("organization-test-"));

    // get by id and by slug (Python repeats the id in the query string)
    let by_id = mock
        .ok_get(&format!("/v1/b2b/organizations/{id}?organization_id={id}"))
        .await;
    assert_valid("organizations.GetResponse", &by_id);
    let by_slug = mock.ok_get("/v1/b2b/organizations/acme").await;
    assert_eq!(by_id["organization"], by_slug["organization"]);

    // update (Python repeats the id in the body; unknown keys are ignored)
    let (status, updated) = mock
        .put(
            &format!("/v1/b2b/organizations/{id}"),
            json!({"organization_id": id, "mfa_policy": "OPTIONAL", "x_unknown": 1}),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_valid("organizations.UpdateResponse", &updated);
    insta::assert_json_snapshot!("org_update", updated);
    assert_eq!(updated["organization"]["mfa_policy"], "OPTIONAL");
    assert_eq!(
        updated["organization"]["allowed_mfa_methods"],
        json!(["totp"]),
        "untouched settings stay"
    );

    // search
    mock.create_org("Other", "other", json!({})).await;
    let found = mock
        .ok_post(
            "/v1/b2b/organizations/search",
            json!({"query": {"operator": "AND", "operands": [{"filter_name": "organization_slugs", "filter_value": ["acme"]}]}}),
        )
        .await;
    assert_valid("organizations.SearchResponse", &found);
    insta::assert_json_snapshot!("org_search", found);
    assert_eq!(found["organizations"].as_array().unwrap().len(), 1);
    let paged = mock
        .ok_post("/v1/b2b/organizations/search", json!({"limit": 1}))
        .await;
    assert_eq!(paged["results_metadata"]["total"], 2);
    assert_eq!(paged["results_metadata"]["next_cursor"], "cursor-1");
    let page2 = mock
        .ok_post(
            "/v1/b2b/organizations/search",
            json!({"limit": 1, "cursor": "cursor-1"}),
        )
        .await;
    assert_eq!(page2["organizations"][0]["organization_slug"], "other");
    assert_eq!(page2["results_metadata"]["next_cursor"], json!(null));

    // delete (Node sends `{}`, Python nothing)
    let (status, deleted) = mock
        .call(
            "DELETE",
            &format!("/v1/b2b/organizations/{id}"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200);
    assert_valid("organizations.DeleteResponse", &deleted);
    assert_eq!(deleted["organization_id"], id);
    assert_error(
        &mock.get(&format!("/v1/b2b/organizations/{id}")).await,
        404,
        "organization_not_found",
    );
}

#[tokio::test]
async fn invalid_settings_are_refused_with_precise_error_types() {
    let mock = spawn_frozen().await;
    let cases = [
        (json!({}), "invalid_argument"),
        (
            json!({"organization_name": ""}),
            "invalid_organization_name",
        ),
        (
            json!({"organization_name": "A", "organization_slug": "a b"}),
            "invalid_organization_slug",
        ),
        (
            json!({"organization_name": "A", "mfa_policy": "ALWAYS"}),
            "invalid_organization_mfa_policy",
        ),
        (
            json!({"organization_name": "A", "mfa_methods": "REQUIRED_FOR_ALL"}),
            "invalid_organization_mfa_factor_setting",
        ),
        (
            json!({"organization_name": "A", "allowed_mfa_methods": ["sms"]}),
            "invalid_organization_allowed_mfa_methods",
        ),
        (
            json!({"organization_name": "A", "mfa_methods": "RESTRICTED"}),
            "allowed_mfa_methods_required_for_restricted",
        ),
        (
            json!({"organization_name": "A", "auth_methods": "RESTRICTED"}),
            "allowed_auth_methods_required_for_restricted",
        ),
        (
            json!({"organization_name": "A", "allowed_auth_methods": ["carrier_pigeon"]}),
            "invalid_organization_allowed_auth_methods",
        ),
        (json!({"organization_name": 5}), "invalid_argument"),
    ];
    for (body, error_type) in cases {
        assert_error(
            &mock.post("/v1/b2b/organizations", body.clone()).await,
            400,
            error_type,
        );
    }
    mock.create_org("Acme", "acme", json!({})).await;
    assert_error(
        &mock
            .post(
                "/v1/b2b/organizations",
                json!({"organization_name": "B", "organization_slug": "acme"}),
            )
            .await,
        400,
        "organization_slug_already_used",
    );
    assert_error(
        &mock.put("/v1/b2b/organizations/nope", json!({})).await,
        404,
        "organization_not_found",
    );
    assert_error(
        &mock
            .post(
                "/v1/b2b/organizations/search",
                json!({"query": {"operands": [{"filter_name": "bogus", "filter_value": 1}]}}),
            )
            .await,
        400,
        "invalid_search_query",
    );
}

#[tokio::test]
async fn an_organization_created_without_a_slug_gets_one() {
    let mock = spawn_frozen().await;
    let org = mock
        .ok_post(
            "/v1/b2b/organizations",
            json!({"organization_name": "Big Co. Ltd"}),
        )
        .await;
    let slug = org["organization"]["organization_slug"].as_str().unwrap();
    assert!(slug.starts_with("big-co-ltd-"), "{slug}");
    mock.ok_get(&format!("/v1/b2b/organizations/{slug}")).await;
}
