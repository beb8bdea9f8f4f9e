//! A tour of every secret-bearing flow over plain HTTP, for the secrecy tests: passwords set by
//! migrate and by every reset, magic link, email OTP, SSO and OAuth tokens, an SMS code, TOTP
//! enrollment and a code, recovery codes (recover, rotate), session tokens and JWTs, ISTs,
//! discovery and session exchange, and every member-returning read. It records each response's
//! raw body and every secret value it met (from responses, and the passwords it sent).
//!
//! Works against any base URL (the in-process mock or the real binary).

#![allow(dead_code)]

use mock_stytch::config::{DEFAULT_PROJECT_ID, DEFAULT_SECRET};
use serde_json::{Value, json};

use crate::mfa_helpers::code_for;

pub const PASSWORDS: [&str; 4] = [
    "Tr0ub4dor&3-correct-horse",
    "battery-Staple-9!-zebra-quartz",
    "Quokka-umbrella-47-Xylophone!",
    "Marmalade?Sprocket-88-Fjord",
];

/// Response fields whose values are secrets.
const SECRET_KEYS: &[&str] = &[
    "session_token",
    "session_jwt",
    "intermediate_session_token",
    "token",
    "code",
    "secret",
    "recovery_code",
    "recovery_codes",
];

pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
}

#[derive(Default)]
pub struct Tour {
    /// `(where it was seen, value)`.
    pub secrets: Vec<(String, String)>,
    /// The bcrypt hash the tour migrated (made here, so it is known even for the binary).
    pub migrated_hash: String,
    /// `("METHOD path", raw response body)` of every call.
    pub bodies: Vec<(String, String)>,
}

impl Tour {
    fn secret(&mut self, label: impl Into<String>, value: &str) {
        // The request log's own placeholders are not secrets.
        let placeholder = [
            mock_stytch::redact::REDACTED,
            mock_stytch::redact::TOO_LARGE,
        ]
        .contains(&value);
        if !value.is_empty() && !placeholder && !self.secrets.iter().any(|(_, v)| v == value) {
            self.secrets.push((label.into(), value.to_owned()));
        }
    }

    fn harvest(&mut self, at: &str, v: &Value) {
        match v {
            Value::Object(map) => {
                for (k, x) in map {
                    if SECRET_KEYS.contains(&k.as_str()) {
                        match x {
                            Value::String(s) => self.secret(format!("{at} .{k}"), s),
                            Value::Array(items) => {
                                for s in items.iter().filter_map(Value::as_str) {
                                    self.secret(format!("{at} .{k}[]"), s);
                                }
                            }
                            _ => {}
                        }
                    }
                    self.harvest(at, x);
                }
            }
            Value::Array(items) => items.iter().for_each(|x| self.harvest(at, x)),
            _ => {}
        }
    }
}

impl Api {
    pub async fn call(
        &self,
        t: &mut Tour,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method.parse().unwrap(), format!("{}{path}", self.base))
            .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        let at = format!("{method} {path}");
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        t.harvest(&at, &v);
        t.bodies.push((at, text));
        (status, v)
    }

    pub async fn ok(&self, t: &mut Tour, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, v) = self.call(t, method, path, body).await;
        assert_eq!(status, 200, "{method} {path}: {v}");
        v
    }

    async fn post(&self, t: &mut Tour, path: &str, body: Value) -> Value {
        self.ok(t, "POST", path, Some(body)).await
    }

    async fn get(&self, t: &mut Tour, path: &str) -> Value {
        self.ok(t, "GET", path, None).await
    }

    async fn newest(&self, t: &mut Tour, member_id: &str, kind: &str) -> Value {
        self.get(
            t,
            &format!("/_mock/outbox?member_id={member_id}&kind={kind}"),
        )
        .await["messages"][0]
            .clone()
    }
}

fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_owned()
}

/// Run the tour. The clock must be frozen (TOTP codes are computed from `/_mock/clock`).
pub async fn tour(api: &Api) -> Tour {
    let mut t = Tour::default();
    for (i, p) in PASSWORDS.iter().enumerate() {
        t.secret(format!("password {i}"), p);
    }
    t.migrated_hash = bcrypt::hash(PASSWORDS[0], 4).unwrap();
    let hash = t.migrated_hash.clone();
    t.secret("migrated hash", &hash);
    let email = "ada@acme.test";

    // Organizations: A is OPTIONAL (a password gives a session), B requires MFA.
    let a = s(&api
        .post(
            &mut t,
            "/v1/b2b/organizations",
            json!({"organization_name": "A", "organization_slug": "org-a"}),
        )
        .await["organization"]["organization_id"]);
    let b = s(&api
        .post(&mut t, "/v1/b2b/organizations", json!({"organization_name": "B", "organization_slug": "org-b", "mfa_policy": "REQUIRED_FOR_ALL"}))
        .await["organization"]["organization_id"]);
    let ma = s(&api
        .post(
            &mut t,
            &format!("/v1/b2b/organizations/{a}/members"),
            json!({"email_address": email}),
        )
        .await["member_id"]);
    let mb = s(&api
        .post(
            &mut t,
            &format!("/v1/b2b/organizations/{b}/members"),
            json!({"email_address": email, "mfa_phone_number": "+14155552671"}),
        )
        .await["member_id"]);

    // Passwords in A: migrate, authenticate, every reset.
    let migrate = |org: &str| json!({"organization_id": org, "email_address": email, "hash": hash, "hash_type": "bcrypt"});
    api.post(&mut t, "/v1/b2b/passwords/migrate", migrate(&a))
        .await;
    let login =
        |org: &str, p: &str| json!({"organization_id": org, "email_address": email, "password": p});
    let s1 = api
        .post(
            &mut t,
            "/v1/b2b/passwords/authenticate",
            login(&a, PASSWORDS[0]),
        )
        .await;
    let (tok1, jwt1) = (s(&s1["session_token"]), s(&s1["session_jwt"]));
    api.call(
        &mut t,
        "POST",
        "/v1/b2b/passwords/authenticate",
        Some(login(&a, "wrong-password-1")),
    )
    .await;
    api.post(
        &mut t,
        "/v1/b2b/passwords/strength_check",
        json!({"password": PASSWORDS[1], "email_address": email}),
    )
    .await;
    api.post(
        &mut t,
        "/v1/b2b/passwords/email/reset/start",
        json!({"organization_id": a, "email_address": email}),
    )
    .await;
    let reset = s(&api.newest(&mut t, &ma, "password_reset").await["token"]);
    api.post(
        &mut t,
        "/v1/b2b/passwords/email/reset",
        json!({"password_reset_token": reset, "password": PASSWORDS[1]}),
    )
    .await;
    let s3 = api
        .post(
            &mut t,
            "/v1/b2b/passwords/existing_password/reset",
            json!({"organization_id": a, "email_address": email, "existing_password": PASSWORDS[1], "new_password": PASSWORDS[2]}),
        )
        .await;
    api.post(&mut t, "/v1/b2b/passwords/session/reset", json!({"organization_id": a, "session_token": s3["session_token"], "password": PASSWORDS[3]}))
        .await;

    // Member reads and writes.
    api.get(
        &mut t,
        &format!("/v1/b2b/organizations/{a}/member?member_id={ma}"),
    )
    .await;
    api.get(
        &mut t,
        &format!("/v1/b2b/organizations/{a}/member?email_address={email}"),
    )
    .await;
    api.post(
        &mut t,
        "/v1/b2b/organizations/members/search",
        json!({"organization_ids": [a, b]}),
    )
    .await;
    api.ok(
        &mut t,
        "PUT",
        &format!("/v1/b2b/organizations/{a}/members/{ma}"),
        Some(json!({"name": "Ada"})),
    )
    .await;
    api.get(
        &mut t,
        &format!("/v1/b2b/organizations/members/dangerously_get/{ma}"),
    )
    .await;

    // Sessions.
    api.call(
        &mut t,
        "POST",
        "/v1/b2b/sessions/authenticate",
        Some(json!({"session_token": tok1})),
    )
    .await;
    api.call(
        &mut t,
        "POST",
        "/v1/b2b/sessions/authenticate",
        Some(json!({"session_jwt": jwt1})),
    )
    .await;
    api.get(
        &mut t,
        &format!("/v1/b2b/sessions?organization_id={a}&member_id={ma}"),
    )
    .await;

    // Magic link, email OTP, SSO, OAuth in A.
    api.post(
        &mut t,
        "/v1/b2b/magic_links/email/login_or_signup",
        json!({"organization_id": a, "email_address": email}),
    )
    .await;
    let link = s(&api.newest(&mut t, &ma, "magic_link_login").await["token"]);
    let s5 = api
        .post(
            &mut t,
            "/v1/b2b/magic_links/authenticate",
            json!({"magic_links_token": link}),
        )
        .await;
    api.post(
        &mut t,
        "/v1/b2b/otps/email/login_or_signup",
        json!({"organization_id": a, "email_address": email}),
    )
    .await;
    let code = s(&api.newest(&mut t, &ma, "email_otp").await["code"]);
    api.post(
        &mut t,
        "/v1/b2b/otps/email/authenticate",
        json!({"organization_id": a, "email_address": email, "code": code}),
    )
    .await;
    let sso = s(&api
        .post(
            &mut t,
            "/_mock/sso/token",
            json!({"organization_id": a, "email_address": email}),
        )
        .await["token"]);
    api.post(
        &mut t,
        "/v1/b2b/sso/authenticate",
        json!({"sso_token": sso}),
    )
    .await;
    let oauth = s(&api
        .post(
            &mut t,
            "/_mock/oauth/token",
            json!({"organization_id": a, "email_address": email, "provider": "google"}),
        )
        .await["token"]);
    api.post(
        &mut t,
        "/v1/b2b/oauth/authenticate",
        json!({"oauth_token": oauth}),
    )
    .await;

    // MFA in B: SMS enrollment from an IST, then TOTP and recovery codes from the session.
    api.post(&mut t, "/v1/b2b/passwords/migrate", migrate(&b))
        .await;
    let ist = s(&api
        .post(
            &mut t,
            "/v1/b2b/passwords/authenticate",
            login(&b, PASSWORDS[0]),
        )
        .await["intermediate_session_token"]);
    let mfa = |extra: Value| {
        let mut v = json!({"organization_id": b, "member_id": mb});
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        v
    };
    api.post(
        &mut t,
        "/v1/b2b/otps/sms/send",
        mfa(json!({"intermediate_session_token": ist})),
    )
    .await;
    let sms = s(&api.newest(&mut t, &mb, "sms_otp").await["code"]);
    let s6 = api
        .post(
            &mut t,
            "/v1/b2b/otps/sms/authenticate",
            mfa(json!({"code": sms, "intermediate_session_token": ist})),
        )
        .await;
    let tok6 = s(&s6["session_token"]);
    let created = api
        .post(&mut t, "/v1/b2b/totp", mfa(json!({"session_token": tok6})))
        .await;
    let now =
        chrono::DateTime::parse_from_rfc3339(&s(&api.get(&mut t, "/_mock/clock").await["now"]))
            .unwrap()
            .timestamp();
    let totp = code_for(&s(&created["secret"]), now);
    t.secret("totp code", &totp);
    api.post(
        &mut t,
        "/v1/b2b/totp/authenticate",
        mfa(json!({"code": totp, "session_token": tok6})),
    )
    .await;
    api.get(
        &mut t,
        &format!("/_mock/totp/code?organization_id={b}&member_id={mb}"),
    )
    .await;
    api.get(&mut t, &format!("/v1/b2b/recovery_codes/{b}/{mb}"))
        .await;
    let recovery = s(&created["recovery_codes"][0]);
    api.post(
        &mut t,
        "/v1/b2b/recovery_codes/recover",
        mfa(json!({"recovery_code": recovery, "session_token": tok6})),
    )
    .await;
    api.post(
        &mut t,
        "/v1/b2b/recovery_codes/rotate",
        mfa(json!({"session_token": tok6})),
    )
    .await;

    // A returning login to B (SMS auto-sent), spent on A through discovery; session exchange.
    let ist2 = s(&api
        .post(
            &mut t,
            "/v1/b2b/passwords/authenticate",
            login(&b, PASSWORDS[0]),
        )
        .await["intermediate_session_token"]);
    api.newest(&mut t, &mb, "sms_otp").await;
    api.call(
        &mut t,
        "POST",
        "/v1/b2b/discovery/intermediate_sessions/exchange",
        Some(json!({"intermediate_session_token": ist2, "organization_id": a})),
    )
    .await;
    api.call(
        &mut t,
        "POST",
        "/v1/b2b/sessions/exchange",
        Some(json!({"organization_id": b, "session_token": s5["session_token"]})),
    )
    .await;
    api.post(
        &mut t,
        "/v1/b2b/sessions/revoke",
        json!({"session_token": s5["session_token"]}),
    )
    .await;

    // Deleting the password returns the member too.
    let pw_id = s(&api
        .get(
            &mut t,
            &format!("/v1/b2b/organizations/{a}/member?member_id={ma}"),
        )
        .await["member"]["member_password_id"]);
    api.ok(
        &mut t,
        "DELETE",
        &format!("/v1/b2b/organizations/{a}/members/passwords/{pw_id}"),
        None,
    )
    .await;

    // The control API and the dashboard.
    api.get(&mut t, "/_mock/outbox").await;
    api.get(&mut t, "/_mock/requests?limit=1000").await;
    let resp = api
        .http
        .get(format!("{}/_mock/ui", api.base))
        .basic_auth(DEFAULT_PROJECT_ID, Some(DEFAULT_SECRET))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    t.bodies
        .push(("GET /_mock/ui".into(), resp.text().await.unwrap()));
    t
}

/// Does `needle` occur in `hay`? Long secrets anywhere; short ones (6-digit codes) only as a
/// whole token (not inside a longer run of letters or digits), so a code is not "found" inside a
/// timestamp's microseconds. ANSI colour codes are stripped first (they end in a letter).
pub fn occurs(hay: &str, needle: &str) -> bool {
    let hay = strip_ansi(hay);
    if needle.len() >= 10 {
        return hay.contains(needle);
    }
    hay.match_indices(needle).any(|(i, _)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + needle.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric())
            && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters… final letter
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
