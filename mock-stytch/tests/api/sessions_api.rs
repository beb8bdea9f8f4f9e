//! Sessions (CONTRACT §2.7–§2.8): authenticate by token or JWT (extension, custom claims,
//! authorization_check), get, revoke in its four forms, exchange errors, and the JWKS — served
//! without credentials and able to verify every JWT the mock signs.

use base64::Engine;
use mock_stytch::config::DEFAULT_PROJECT_ID;
use serde_json::{Value, json};

use crate::helpers::{TestMock, assert_error, spawn_frozen};
use crate::primary_helpers::{magic_link_token, member, org, s, session_elsewhere};
use crate::schema::assert_valid;

const AUTH: &str = "/v1/b2b/sessions/authenticate";
const REVOKE: &str = "/v1/b2b/sessions/revoke";

/// A fresh session of `email` (magic link) in `org_id`.
async fn login(mock: &TestMock, org_id: &str, member_id: &str, email: &str) -> Value {
    let token = magic_link_token(mock, org_id, member_id, email).await;
    mock.ok_post(
        "/v1/b2b/magic_links/authenticate",
        json!({"magic_links_token": token}),
    )
    .await
}

/// The JWKS, fetched like the SDKs' verifiers do: no credentials.
pub async fn jwks(mock: &TestMock) -> Value {
    let resp = mock
        .http
        .get(mock.url(&format!("/v1/b2b/sessions/jwks/{DEFAULT_PROJECT_ID}")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

/// Verify a session JWT against the JWKS as a local verifier would (signature, aud, iss, and
/// `exp` unless `check_exp` is false); returns the claims.
pub fn verify_locally(keys: &Value, jwt: &str, check_exp: bool, now: i64) -> Result<Value, String> {
    let header = jsonwebtoken::decode_header(jwt).map_err(|e| e.to_string())?;
    let key = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"].as_str() == header.kid.as_deref())
        .ok_or("no key with that kid")?;
    let dk = jsonwebtoken::DecodingKey::from_rsa_components(&s(&key["n"]), &s(&key["e"]))
        .map_err(|e| e.to_string())?;
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.set_audience(&[DEFAULT_PROJECT_ID]);
    v.set_issuer(&[format!("stytch.com/{DEFAULT_PROJECT_ID}")]);
    v.set_required_spec_claims(&["aud", "iss", "exp", "iat", "nbf", "sub"]);
    v.validate_exp = false;
    v.validate_nbf = false;
    let claims = jsonwebtoken::decode::<Value>(jwt, &dk, &v)
        .map_err(|e| e.to_string())?
        .claims;
    if check_exp && claims["exp"].as_i64().unwrap() <= now {
        return Err("expired".into());
    }
    Ok(claims)
}

pub fn now_of(mock: &TestMock) -> i64 {
    mock.server.state.clock.now_ts()
}

#[tokio::test]
async fn authenticate_by_token_or_jwt_extends_and_merges_claims() {
    let mock = spawn_frozen().await;
    let org_id = org(&mock, "acme", json!({})).await;
    let ada = member(&mock, &org_id, "ada@acme.com", json!({})).await;
    let login = login(&mock, &org_id, &ada, "ada@acme.com").await;

    // by token, not extended
    let r = mock
        .ok_post(AUTH, json!({"session_token": login["session_token"]}))
        .await;
    assert_valid("sessions.AuthenticateResponse", &r);
    assert_eq!(r["session_token"], login["session_token"]);
    assert_eq!(
        r["member_session"]["expires_at"],
        login["member_session"]["expires_at"]
    );
    assert!(r.get("verdict").is_none());

    // by JWT (the token comes back too), extended and with custom claims
    let r = mock
        .ok_post(
            AUTH,
            json!({"session_jwt": login["session_jwt"], "session_duration_minutes": 120, "session_custom_claims": {"tier": "gold"}}),
        )
        .await;
    assert_valid("sessions.AuthenticateResponse", &r);
    assert_eq!(r["session_token"], login["session_token"]);
    assert_eq!(r["member_session"]["expires_at"], "2030-01-01T02:00:00Z");
    assert_eq!(
        r["member_session"]["custom_claims"],
        json!({"tier": "gold"})
    );
    let claims = verify_locally(
        &jwks(&mock).await,
        &s(&r["session_jwt"]),
        true,
        now_of(&mock),
    )
    .unwrap();
    assert_eq!(claims["tier"], "gold");
    assert_eq!(claims["sub"], ada.as_str());
    assert_eq!(
        claims["https://stytch.com/session"]["id"],
        login["member_session"]["member_session_id"]
    );
    assert_eq!(claims["https://stytch.com/organization"]["slug"], "acme");

    assert_error(
        &mock.post(AUTH, json!({})).await,
        400,
        "no_session_arguments",
    );
    assert_error(
        &mock.post(AUTH, json!({"session_token": login["session_token"], "session_jwt": login["session_jwt"]})).await,
        400,
        "too_many_session_arguments",
    );
    assert_error(
        &mock.post(AUTH, json!({"session_jwt": "a.b.c"})).await,
        404,
        "session_not_found",
    );
    assert_error(&mock.post(AUTH, json!({"session_token": login["session_token"], "session_duration_minutes": 527041})).await, 400, "invalid_session_duration_minutes");
}

#[tokio::test]
async fn authorization_check_answers_a_verdict_or_403() {
    let mock = spawn_frozen().await;
    let org_id = org(&mock, "acme", json!({})).await;
    let admin = member(
        &mock,
        &org_id,
        "admin@acme.com",
        json!({"roles": ["stytch_admin"]}),
    )
    .await;
    let plain = member(&mock, &org_id, "plain@acme.com", json!({})).await;
    let admin_s = login(&mock, &org_id, &admin, "admin@acme.com").await;
    let plain_s = login(&mock, &org_id, &plain, "plain@acme.com").await;
    let check = |token: &Value, org: &str, resource: &str| json!({"session_token": token, "authorization_check": {"organization_id": org, "resource_id": resource, "action": "update"}});

    let r = mock
        .ok_post(
            AUTH,
            check(&admin_s["session_token"], &org_id, "stytch.organization"),
        )
        .await;
    assert_valid("sessions.AuthenticateResponse", &r);
    assert_eq!(
        r["verdict"],
        json!({"authorized": true, "granting_roles": ["stytch_admin"]})
    );
    let r = mock
        .ok_post(
            AUTH,
            check(&plain_s["session_token"], &org_id, "stytch.self"),
        )
        .await;
    assert_eq!(r["verdict"]["granting_roles"], json!(["stytch_member"]));
    assert_error(
        &mock
            .post(
                AUTH,
                check(&plain_s["session_token"], &org_id, "stytch.organization"),
            )
            .await,
        403,
        "unauthorized_action",
    );
    let other = org(&mock, "other", json!({})).await;
    assert_error(
        &mock
            .post(
                AUTH,
                check(&admin_s["session_token"], &other, "stytch.self"),
            )
            .await,
        403,
        "session_authorization_error",
    );
}

#[tokio::test]
async fn get_lists_live_sessions_and_revoke_takes_one_argument() {
    let mock = spawn_frozen().await;
    let org_id = org(&mock, "acme", json!({})).await;
    let ada = member(&mock, &org_id, "ada@acme.com", json!({})).await;
    let sessions: Vec<Value> = {
        let mut v = vec![];
        for _ in 0..4 {
            v.push(login(&mock, &org_id, &ada, "ada@acme.com").await);
        }
        v
    };
    let path = format!("/v1/b2b/sessions?organization_id={org_id}&member_id={ada}");
    let all = mock.ok_get(&path).await;
    assert_valid("sessions.GetResponse", &all);
    assert_eq!(all["member_sessions"].as_array().unwrap().len(), 4);
    assert_error(
        &mock
            .get(&format!("/v1/b2b/sessions?organization_id={org_id}"))
            .await,
        400,
        "invalid_argument",
    );

    assert_error(
        &mock.post(REVOKE, json!({})).await,
        400,
        "no_session_revoke_arguments",
    );
    assert_error(
        &mock
            .post(
                REVOKE,
                json!({"member_id": ada, "session_token": sessions[0]["session_token"]}),
            )
            .await,
        400,
        "too_many_session_revoke_arguments",
    );
    let r = mock
        .ok_post(
            REVOKE,
            json!({"member_session_id": sessions[0]["member_session"]["member_session_id"]}),
        )
        .await;
    assert_valid("sessions.RevokeResponse", &r);
    mock.ok_post(
        REVOKE,
        json!({"session_token": sessions[1]["session_token"]}),
    )
    .await;
    mock.ok_post(REVOKE, json!({"session_jwt": sessions[2]["session_jwt"]}))
        .await;
    assert_eq!(
        mock.ok_get(&path).await["member_sessions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    for s in &sessions[..3] {
        assert_error(
            &mock
                .post(AUTH, json!({"session_token": s["session_token"]}))
                .await,
            404,
            "session_not_found",
        );
    }
    assert_error(
        &mock
            .post(
                REVOKE,
                json!({"session_token": sessions[0]["session_token"]}),
            )
            .await,
        404,
        "session_not_found",
    );
    mock.ok_post(REVOKE, json!({"member_id": ada})).await;
    assert_eq!(mock.ok_get(&path).await["member_sessions"], json!([]));
    assert_error(
        &mock
            .post(REVOKE, json!({"member_id": "member-test-nope"}))
            .await,
        404,
        "member_not_found",
    );
}

#[tokio::test]
async fn exchange_needs_a_membership_and_accepts_invites() {
    let mock = spawn_frozen().await;
    let (token, _) = session_elsewhere(&mock, "home", "ada@acme.com").await;
    let target = org(
        &mock,
        "target",
        json!({"email_jit_provisioning": "RESTRICTED", "email_allowed_domains": ["acme.com"]}),
    )
    .await;
    let path = "/v1/b2b/sessions/exchange";
    assert_error(
        &mock
            .post(
                path,
                json!({"organization_id": target, "session_token": token}),
            )
            .await,
        404,
        "member_not_found",
    );
    mock.ok_post(
        "/v1/b2b/magic_links/email/invite",
        json!({"organization_id": target, "email_address": "ada@acme.com"}),
    )
    .await;
    let r = mock
        .ok_post(
            path,
            json!({"organization_id": target, "session_token": token}),
        )
        .await;
    assert_valid("sessions.ExchangeResponse", &r);
    assert_eq!(r["member_authenticated"], true);
    assert_eq!(r["member"]["status"], "active");
    assert_eq!(r["member_session"]["organization_id"], target.as_str());
    assert!(r.get("organization_id").is_none());
    assert_ne!(r["session_token"], token.as_str());
    assert_error(
        &mock.post(path, json!({"organization_id": target})).await,
        400,
        "no_session_arguments",
    );
}

#[tokio::test]
async fn the_jwks_is_open_lists_the_signing_key_and_is_scoped_to_the_project() {
    let mock = spawn_frozen().await;
    let open = jwks(&mock).await;
    assert_valid("sessions.GetJWKSResponse", &open);
    let key = &open["keys"][0];
    assert!(s(&key["kid"]).starts_with("jwk-test-"));
    for (field, want) in [("kty", "RSA"), ("alg", "RS256"), ("use", "sig")] {
        assert_eq!(key[field], want);
    }
    let (status, with_auth) = mock
        .get(&format!("/v1/b2b/sessions/jwks/{DEFAULT_PROJECT_ID}"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(with_auth["keys"], open["keys"]);
    let resp = mock
        .http
        .get(mock.url("/v1/b2b/sessions/jwks/project-test-other"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error_type"],
        "project_not_found"
    );

    // A JWT's header names that key and says typ JWT / alg RS256.
    let org_id = org(&mock, "acme", json!({})).await;
    let ada = member(&mock, &org_id, "ada@acme.com", json!({})).await;
    let session = login(&mock, &org_id, &ada, "ada@acme.com").await;
    let jwt = s(&session["session_jwt"]);
    let header: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(jwt.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        header,
        json!({"alg": "RS256", "typ": "JWT", "kid": key["kid"]})
    );
    // And the rest of the API still wants credentials.
    let resp = mock
        .http
        .get(mock.url(&format!(
            "/v1/b2b/sessions?organization_id={org_id}&member_id={ada}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

/// Authenticating a session twice in the same virtual second changes nothing and is answered
/// without a write (the fast path): the answers are identical, JWT included. Once the clock
/// moves, or an extension would move the expiry, the session is written again; a revoked session
/// is refused on either path.
#[tokio::test]
async fn authenticate_in_the_same_second_answers_identically_and_revocation_still_wins() {
    // Arrange
    let mock = spawn_frozen().await;
    let (token, _) = session_elsewhere(&mock, "same-second", "pat@same-second.test").await;

    // Act
    let first = mock.ok_post(AUTH, json!({"session_token": token})).await;
    let second = mock.ok_post(AUTH, json!({"session_token": token})).await;
    let by_jwt = mock
        .ok_post(AUTH, json!({"session_jwt": first["session_jwt"]}))
        .await;
    let extended = mock
        .ok_post(
            AUTH,
            json!({"session_token": token, "session_duration_minutes": 600}),
        )
        .await;
    mock.advance_clock(1).await;
    let later = mock.ok_post(AUTH, json!({"session_token": token})).await;
    mock.ok_post(REVOKE, json!({"session_token": token})).await;
    let revoked = mock.post(AUTH, json!({"session_token": token})).await;

    // Assert
    assert_eq!(first["member_session"], second["member_session"]);
    assert_eq!(
        first["session_jwt"], second["session_jwt"],
        "same claims sign to the same JWT"
    );
    assert_eq!(first["member_session"], by_jwt["member_session"]);
    assert_ne!(
        extended["member_session"]["expires_at"], first["member_session"]["expires_at"],
        "an extension writes"
    );
    assert_ne!(
        later["member_session"]["last_accessed_at"],
        first["member_session"]["last_accessed_at"]
    );
    assert_ne!(later["session_jwt"], first["session_jwt"]);
    assert_error(&revoked, 404, "session_not_found");
    assert_valid("sessions.AuthenticateResponse", &second);
}
