//! Members: every response shape (schema + snapshot), null-vs-"" rules, and every error path.

use serde_json::json;

use crate::helpers::{assert_error, spawn_frozen};
use crate::schema::assert_valid;

#[tokio::test]
async fn member_lifecycle_has_stytch_shapes() {
    // Arrange
    let mock = spawn_frozen().await;
    let org = mock.create_org("Acme", "acme", json!({})).await;
    let org_id = org["organization_id"].as_str().unwrap();

    // create
    let created = mock
        .ok_post(
            &format!("/v1/b2b/organizations/{org_id}/members"),
            json!({"email_address": "Ada@Acme.com", "name": "Ada", "mfa_phone_number": "+14155552671", "roles": ["stytch_admin"]}),
        )
        .await;
    assert_valid("organizations_members.CreateResponse", &created);
    insta::assert_json_snapshot!("member_create", created);
    let m = &created["member"];
    assert_eq!(m["email_address"], "ada@acme.com");
    assert_eq!(m["status"], "active");
    assert_eq!(m["is_admin"], true);
    assert_eq!(m["mfa_phone_number_verified"], false);
    // §1.6: absent strings are "" not null
    for field in [
        "member_password_id",
        "totp_registration_id",
        "default_mfa_method",
    ] {
        assert_eq!(m[field], "", "{field}");
    }
    let member_id = created["member_id"].as_str().unwrap();

    // get by id (Python repeats org id in the query) and by email
    let by_id = mock
        .ok_get(&format!(
            "/v1/b2b/organizations/acme/member?member_id={member_id}&organization_id={org_id}"
        ))
        .await;
    assert_valid("organizations_members.GetResponse", &by_id);
    let by_email = mock
        .ok_get(&format!(
            "/v1/b2b/organizations/{org_id}/member?email_address=ADA%40acme.com"
        ))
        .await;
    assert_eq!(by_id["member"], by_email["member"]);

    // update
    let updated = mock
        .put(
            &format!("/v1/b2b/organizations/{org_id}/members/{member_id}"),
            json!({"organization_id": org_id, "member_id": member_id, "mfa_enrolled": true, "default_mfa_method": "sms_otp", "name": "Ada L."}),
        )
        .await;
    assert_eq!(updated.0, 200, "{}", updated.1);
    assert_valid("organizations_members.UpdateResponse", &updated.1);
    insta::assert_json_snapshot!("member_update", updated.1);
    assert_eq!(updated.1["member"]["mfa_enrolled"], true);
    assert_eq!(updated.1["member"]["default_mfa_method"], "sms_otp");

    // search
    mock.create_member(org_id, "bob@acme.com", json!({})).await;
    let found = mock
        .ok_post(
            "/v1/b2b/organizations/members/search",
            json!({"organization_ids": [org_id], "query": {"operator": "OR", "operands": [
                {"filter_name": "member_emails", "filter_value": ["ada@acme.com"]},
                {"filter_name": "member_is_breakglass", "filter_value": true}]}}),
        )
        .await;
    assert_valid("organizations_members.SearchResponse", &found);
    insta::assert_json_snapshot!("member_search", found);
    assert_eq!(found["members"].as_array().unwrap().len(), 1);
    assert!(found["organizations"][org_id].is_object());

    // delete the phone, then the member
    let (status, no_phone) = mock
        .delete(&format!(
            "/v1/b2b/organizations/{org_id}/members/mfa_phone_numbers/{member_id}"
        ))
        .await;
    assert_eq!(status, 200, "{no_phone}");
    assert_valid(
        "organizations_members.DeleteMFAPhoneNumberResponse",
        &no_phone,
    );
    assert_eq!(no_phone["member"]["mfa_phone_number"], "");
    assert_eq!(
        no_phone["member"]["default_mfa_method"], "",
        "a default on a deleted factor is cleared"
    );
    let (status, deleted) = mock
        .delete(&format!(
            "/v1/b2b/organizations/{org_id}/members/{member_id}"
        ))
        .await;
    assert_eq!(status, 200);
    assert_valid("organizations_members.DeleteResponse", &deleted);
    assert_error(
        &mock
            .get(&format!(
                "/v1/b2b/organizations/{org_id}/member?member_id={member_id}"
            ))
            .await,
        404,
        "member_not_found",
    );
}

#[tokio::test]
async fn member_errors_are_stytch_shaped() {
    let mock = spawn_frozen().await;
    let org = mock.create_org("Acme", "acme", json!({})).await;
    let org_id = org["organization_id"].as_str().unwrap();
    let members = format!("/v1/b2b/organizations/{org_id}/members");
    let ada = mock
        .create_member(
            org_id,
            "ada@acme.com",
            json!({"mfa_phone_number": "+14155552671"}),
        )
        .await;
    let ada_id = ada["member_id"].as_str().unwrap();

    assert_error(
        &mock
            .post(&members, json!({"email_address": "ADA@acme.com"}))
            .await,
        400,
        "duplicate_member_email",
    );
    assert_error(
        &mock
            .post(&members, json!({"email_address": "not-an-email"}))
            .await,
        400,
        "invalid_email",
    );
    assert_error(
        &mock.post(&members, json!({})).await,
        400,
        "invalid_argument",
    );
    assert_error(
        &mock
            .post(
                &members,
                json!({"email_address": "c@acme.com", "mfa_phone_number": "555-1234"}),
            )
            .await,
        400,
        "invalid_phone_number",
    );
    assert_error(
        &mock
            .post(
                "/v1/b2b/organizations/nope/members",
                json!({"email_address": "x@y.com"}),
            )
            .await,
        404,
        "organization_not_found",
    );
    let update = format!("{members}/{ada_id}");
    assert_error(
        &mock
            .put(&update, json!({"mfa_phone_number": "+447911123456"}))
            .await,
        400,
        "duplicate_member_phone_number_for_member",
    );
    assert_error(
        &mock
            .put(&update, json!({"default_mfa_method": "totp"}))
            .await,
        400,
        "default_mfa_member_missing_factor",
    );
    assert_error(
        &mock
            .put(&update, json!({"default_mfa_method": "sms"}))
            .await,
        400,
        "invalid_mfa_default_method",
    );
    assert_error(
        &mock
            .put(&format!("{members}/member-test-nope"), json!({}))
            .await,
        404,
        "member_not_found",
    );
    assert_error(
        &mock
            .get(&format!("/v1/b2b/organizations/{org_id}/member"))
            .await,
        400,
        "invalid_argument",
    );
    assert_error(
        &mock.delete(&format!("{members}/{ada_id}/totp")).await,
        404,
        "totp_not_found",
    );
    assert_error(
        &mock
            .post(
                "/v1/b2b/organizations/members/search",
                json!({"organization_ids": []}),
            )
            .await,
        400,
        "invalid_argument",
    );

    // A member of another organization is not found through this one.
    let other = mock.create_org("Other", "other", json!({})).await;
    assert_error(
        &mock
            .get(&format!(
                "/v1/b2b/organizations/{}/member?member_id={ada_id}",
                other["organization_id"].as_str().unwrap()
            ))
            .await,
        404,
        "member_not_found",
    );
}
