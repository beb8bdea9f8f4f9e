//! The MFA decision rules (CONTRACT §3 R1–R3) as a table: every combination of
//! organization `mfa_policy` × member `mfa_enrolled` × member factors {none, verified phone,
//! active TOTP} × `auth_methods` restriction {none, restricted to another method}, through every
//! primary endpoint, asserting `member_authenticated`, `mfa_required` (with `member_options` and
//! `secondary_auth_initiated`), `primary_required`, and that an SMS was sent exactly when
//! `secondary_auth_initiated` says so. Every success body is also validated against its schema.

use serde_json::{Value, json};

use crate::helpers::{TestMock, spawn_frozen};
use crate::primary_helpers::{
    Endpoint, PHONE, TOTP_ID, active_totp, assert_authenticated, assert_pending, member, org, run,
    verified_phone,
};
use crate::schema::assert_valid;

#[derive(Clone, Copy, Debug)]
enum Factors {
    None,
    VerifiedPhone,
    ActiveTotp,
}

#[derive(Clone, Copy, Debug)]
struct Row {
    required_for_all: bool,
    enrolled: bool,
    factors: Factors,
    restricted: bool,
}

fn rows() -> Vec<Row> {
    let mut rows = vec![];
    for required_for_all in [false, true] {
        for enrolled in [false, true] {
            for factors in [Factors::None, Factors::VerifiedPhone, Factors::ActiveTotp] {
                for restricted in [false, true] {
                    rows.push(Row {
                        required_for_all,
                        enrolled,
                        factors,
                        restricted,
                    });
                }
            }
        }
    }
    rows
}

/// What the rules say the answer must be.
fn expected(row: Row, ep: Endpoint) -> (bool, Value, Value) {
    if row.restricted {
        return (
            false,
            json!(null),
            json!({"allowed_auth_methods": [ep.other_method()]}),
        );
    }
    if !(row.required_for_all || row.enrolled) {
        return (true, json!(null), json!(null));
    }
    let mfa = match row.factors {
        Factors::None => json!({"member_options": null, "secondary_auth_initiated": null}),
        Factors::VerifiedPhone => {
            json!({"member_options": {"mfa_phone_number": PHONE, "totp_registration_id": ""},
                                         "secondary_auth_initiated": "sms_otp"})
        }
        Factors::ActiveTotp => {
            json!({"member_options": {"mfa_phone_number": "", "totp_registration_id": TOTP_ID},
                                      "secondary_auth_initiated": null})
        }
    };
    (false, mfa, json!(null))
}

async fn case(mock: &TestMock, n: usize, row: Row, ep: Endpoint) {
    // Arrange
    let mut settings =
        json!({"mfa_policy": if row.required_for_all { "REQUIRED_FOR_ALL" } else { "OPTIONAL" }});
    if row.restricted {
        settings["auth_methods"] = json!("RESTRICTED");
        settings["allowed_auth_methods"] = json!([ep.other_method()]);
    }
    let org_id = org(mock, &format!("t{n}"), settings).await;
    let email = format!("m{n}@acme.com");
    let member_id = member(mock, &org_id, &email, json!({"mfa_enrolled": row.enrolled})).await;
    match row.factors {
        Factors::None => {}
        Factors::VerifiedPhone => verified_phone(mock, &member_id).await,
        Factors::ActiveTotp => active_totp(mock, &member_id).await,
    }

    // Act
    let (status, body) = run(mock, ep, &org_id, &member_id, &email, json!({})).await;

    // Assert
    let ctx = format!("{ep:?} {row:?}");
    assert_eq!(status, 200, "{ctx}: {body:#}");
    assert_valid(ep.schema(), &body);
    let (authenticated, mfa, primary) = expected(row, ep);
    assert_eq!(body["member_authenticated"], authenticated, "{ctx}");
    assert_eq!(body["mfa_required"], mfa, "{ctx}");
    assert_eq!(body["primary_required"], primary, "{ctx}");
    if authenticated {
        assert_authenticated(&body);
    } else {
        assert_pending(&body);
    }
    let sms = mock
        .outbox(&format!("member_id={member_id}&channel=sms"))
        .await;
    let sms_expected = mfa["secondary_auth_initiated"] == "sms_otp";
    assert_eq!(
        sms.len(),
        usize::from(sms_expected),
        "{ctx}: SMS sent iff secondary_auth_initiated"
    );
    if sms_expected {
        assert_eq!(sms[0]["to"], PHONE);
        assert!(sms[0]["code"].as_str().is_some_and(|c| c.len() == 6));
    }
}

/// 24 rows × 8 endpoints = 192 cases, one mock per endpoint.
#[tokio::test]
async fn decision_table_over_every_primary_endpoint() {
    let rows = rows();
    assert_eq!(rows.len(), 24);
    let mut cases = 0;
    for ep in Endpoint::ALL {
        let mock = spawn_frozen().await;
        for (n, row) in rows.iter().enumerate() {
            case(&mock, n, *row, ep).await;
            cases += 1;
        }
    }
    assert_eq!(cases, 192);
}
