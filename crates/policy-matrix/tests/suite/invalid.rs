//! The invalid points of the space, shown to be refused by the API itself — not skipped.
//! One test per level: organization settings (create and update), member shapes (the
//! `default_mfa_method` update), and the exchange request that would need a second session.

use policy_matrix::{Combination, DefaultMfa, Invalid, MemberShape, OrgPolicy, Phone, Totp};
use serde_json::json;

use crate::exhaustive::org_settings;
use crate::harness::{Env, Refused};

fn refused(error_type: &str) -> Refused {
    Refused {
        status: 400,
        error_type: error_type.to_owned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_refuses_every_invalid_organization_policy() {
    let env = Env::spawn().await;
    let mut checked = 0;
    for (i, policy) in OrgPolicy::all().enumerate() {
        let Err(reason) = policy.validity() else {
            continue;
        };
        let want = match reason {
            Invalid::RestrictedMfaMethodsWithEmptyList => {
                refused("allowed_mfa_methods_required_for_restricted")
            }
            Invalid::RestrictedAuthMethodsWithEmptyList => {
                refused("allowed_auth_methods_required_for_restricted")
            }
            other => panic!("{other:?} is not an organization-level reason"),
        };
        let created = env
            .create_org(&format!("invalid-{i}"), org_settings(&policy))
            .await;
        assert_eq!(created.err(), Some(want.clone()), "create {policy:?}");
        let org = env
            .create_org(&format!("valid-{i}"), json!({}))
            .await
            .expect("a valid org");
        let updated = env.update_org(&org, org_settings(&policy)).await;
        assert_eq!(updated.err(), Some(want), "update {policy:?}");
        checked += 1;
    }
    assert_eq!(checked, OrgPolicy::all().count() - 42);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_refuses_every_invalid_member_shape() {
    let env = Env::spawn().await;
    let org = env.create_org("members", json!({})).await.expect("org");
    let mut checked = 0;
    for (j, shape) in MemberShape::all().enumerate() {
        let Err(reason) = shape.validity() else {
            continue;
        };
        assert!(matches!(
            reason,
            Invalid::DefaultSmsWithoutPhone | Invalid::DefaultTotpWithoutActiveTotp
        ));
        let email = format!("invalid-{j}@example.com");
        let id = env
            .migrate_member(&org, &email, None)
            .await
            .expect("member");
        match shape.totp {
            Totp::None => {}
            Totp::Pending => drop(env.totp_create(&org, &id).await.expect("pending")),
            Totp::Active => drop(env.totp_migrate(&org, &id).await.expect("active")),
        }
        if shape.phone != Phone::None {
            let verified = shape.phone == Phone::Verified;
            env.migrate_member(&org, &email, Some(verified))
                .await
                .expect("phone");
        }
        let default = match shape.default_mfa_method {
            DefaultMfa::Sms => "sms_otp",
            DefaultMfa::Totp => "totp",
            DefaultMfa::None => unreachable!("a missing default is always valid"),
        };
        let got = env
            .update_member(
                &org,
                &id,
                json!({"mfa_enrolled": shape.mfa_enrolled, "default_mfa_method": default}),
            )
            .await;
        assert_eq!(
            got.err(),
            Some(refused("default_mfa_member_missing_factor")),
            "{shape:?}"
        );
        checked += 1;
    }
    assert_eq!(checked, 18);
}

/// `sessions.exchange` reads one session — the source organization's. Trying to pass the
/// target member's own session as well (as a JWT beside the token) is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exchange_cannot_carry_a_second_session() {
    let env = Env::spawn().await;
    let home = env.create_org("home", json!({})).await.expect("home");
    let target = env.create_org("target", json!({})).await.expect("target");
    let email = "both@example.com";
    let home_id = env
        .migrate_member(&home, email, None)
        .await
        .expect("member");
    let target_id = env
        .migrate_member(&target, email, None)
        .await
        .expect("member");
    let home_login = login(&env, &home, email, &home_id).await;
    let target_login = login(&env, &target, email, &target_id).await;

    let got = env
        .post(
            "/v1/b2b/sessions/exchange",
            json!({
                "organization_id": target,
                "session_token": home_login["session_token"],
                "session_jwt": target_login["session_jwt"],
            }),
        )
        .await;

    assert!(
        matches!(&got, Err(r) if r.status == 400),
        "two sessions in one exchange: {got:?}"
    );
    assert!(
        Combination::all().any(|c| c.validity() == Err(Invalid::ExchangeHasNoSecondSessionSlot))
    );
}

async fn login(env: &Env, org: &str, email: &str, member: &str) -> serde_json::Value {
    let token = env.magic_link_token(org, email, member).await;
    env.post(
        "/v1/b2b/magic_links/authenticate",
        json!({ "magic_links_token": token }),
    )
    .await
    .expect("login")
}
