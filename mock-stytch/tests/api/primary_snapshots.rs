//! Wire snapshots of every primary-auth response in both outcomes — a session (OPTIONAL
//! organization, member not enrolled) and IST + `mfa_required` (REQUIRED_FOR_ALL, member with a
//! verified phone, so an SMS is auto-sent) — for the seven primary endpoints of the seed guide
//! plus email OTP. The clock is frozen and the seed fixed, so bodies need no redaction. Each body
//! is also validated against the schema the Python SDK enforces.

use serde_json::json;

use crate::helpers::spawn_frozen;
use crate::primary_helpers::{
    Endpoint, assert_authenticated, assert_pending, member, org, run, verified_phone,
};
use crate::schema::assert_valid;

#[tokio::test]
async fn every_primary_endpoint_in_both_outcomes() {
    for ep in Endpoint::ALL {
        for mfa in [false, true] {
            // Arrange: a fresh mock per case, so ids and request ids are stable
            let mock = spawn_frozen().await;
            let policy = if mfa { "REQUIRED_FOR_ALL" } else { "OPTIONAL" };
            let org_id = org(&mock, "acme", json!({"mfa_policy": policy})).await;
            let member_id = member(
                &mock,
                &org_id,
                "ada@acme.com",
                json!({"name": "Ada Lovelace"}),
            )
            .await;
            if mfa {
                verified_phone(&mock, &member_id).await;
            }

            // Act
            let (status, body) =
                run(&mock, ep, &org_id, &member_id, "ada@acme.com", json!({})).await;

            // Assert
            assert_eq!(status, 200, "{ep:?}: {body:#}");
            assert_valid(ep.schema(), &body);
            if mfa {
                assert_pending(&body);
                assert_eq!(body["mfa_required"]["secondary_auth_initiated"], "sms_otp");
            } else {
                assert_authenticated(&body);
            }
            let outcome = if mfa { "ist_mfa_required" } else { "session" };
            insta::assert_json_snapshot!(format!("primary_{}_{outcome}", ep.name()), body);
        }
    }
}
