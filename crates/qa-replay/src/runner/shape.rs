//! A matrix case's setup: the member's factors and the organization's policy of its
//! combination, made with plain Stytch API calls that need no control API, so a real Stytch
//! project can run the case too — a password and a phone (verified or not) with
//! `passwords.migrate`, a pending TOTP with `totps.create`, an active one with `totps.migrate`,
//! `mfa_enrolled` / `default_mfa_method` with `members.update`, then the policy with
//! `organizations.update` (last, so no restriction stands in the way of shaping the member).
//! A combination the policy space calls invalid is shaped the same way and must be refused by
//! the server (`expect_refusal`): the space's claim is checked, never just assumed.
//! Must never use the control API, and never shape a member other than the matrix member.

use std::sync::OnceLock;

use policy_matrix::{AuthMethods, Combination, DefaultMfa, Phone, Totp};
use serde_json::{Value, json};

use super::{Conn, Run, StepResult, Verdict, fail};
use crate::scenario::{Case, MatrixSpec, Scenario};

/// The matrix member's password (strong enough for the mock's and Stytch's checks).
pub(super) const MATRIX_PASSWORD: &str = "matrix-Case-passphrase-2031!";
/// The matrix member's phone when the case gives it one (a valid E.164 test number).
const PHONE: &str = "+14155550188";
/// Base32 secret of an imported, already active TOTP registration.
const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn bcrypt_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    // Cost 4: the hash only has to be valid bcrypt, not slow.
    HASH.get_or_init(|| bcrypt::hash(MATRIX_PASSWORD, 4).unwrap_or_default())
}

/// An invalid combination's case: set it up like any other; the server must refuse a shaping
/// call (an API error, not a transport failure), else the case fails.
pub(super) async fn expect_refusal(s: &Scenario, case: &Case, conn: Conn) -> Verdict {
    let (Some(m), Some(reason)) = (&s.matrix, case.refused) else {
        return Verdict::Failed {
            step: 0,
            reason: "not a refused matrix case".into(),
        };
    };
    let mut run = match Run::setup(s, None, conn).await {
        Ok(r) => r,
        Err(e) => {
            return Verdict::Failed {
                step: 0,
                reason: format!("setup: {e}"),
            };
        }
    };
    match run.shape(m, &case.combination).await {
        Err((t, _)) if t != "transport" && t != "bad_response" => Verdict::Refused {
            reason: format!("{reason:?} (the server answered {t})"),
        },
        Err((t, msg)) => Verdict::Failed {
            step: 0,
            reason: format!("setup: {t}: {msg}"),
        },
        Ok(()) => Verdict::Failed {
            step: 0,
            reason: format!(
                "the policy space calls this combination invalid ({reason:?}), but the server accepted it"
            ),
        },
    }
}

impl Run {
    pub(super) async fn shape(&mut self, m: &MatrixSpec, c: &Combination) -> StepResult {
        let member = self.member(&m.member)?;
        let (org, id, email) = (
            member.org_id.clone(),
            member.member_id.clone(),
            member.email.clone(),
        );
        let ids = json!({ "organization_id": org, "member_id": id });
        match c.member.totp {
            Totp::None => {}
            Totp::Pending => _ = self.api("POST", "/v1/b2b/totp", ids.clone()).await?,
            Totp::Active => {
                let mut body = ids.clone();
                body["secret"] = json!(TOTP_SECRET);
                body["recovery_codes"] = json!([]);
                self.api("POST", "/v1/b2b/totp/migrate", body).await?;
            }
        }
        let mut migrate = json!({
            "organization_id": org,
            "email_address": email,
            "hash": bcrypt_hash(),
            "hash_type": "bcrypt",
        });
        if c.member.phone != Phone::None {
            migrate["mfa_phone_number"] = json!(PHONE);
            migrate["set_phone_number_verified"] = json!(c.member.phone == Phone::Verified);
        }
        self.api("POST", "/v1/b2b/passwords/migrate", migrate)
            .await?;
        if let Some(r) = self.members.get_mut(&m.member) {
            r.password = Some(MATRIX_PASSWORD.to_owned());
        }
        let mut update = json!({ "mfa_enrolled": c.member.mfa_enrolled });
        match c.member.default_mfa_method {
            DefaultMfa::None => {}
            DefaultMfa::Sms => update["default_mfa_method"] = json!("sms_otp"),
            DefaultMfa::Totp => update["default_mfa_method"] = json!("totp"),
        }
        self.api(
            "PUT",
            &format!("/v1/b2b/organizations/{org}/members/{id}"),
            update,
        )
        .await?;
        let mut policy = json!({
            "mfa_policy": c.org.mfa_policy.wire(),
            "mfa_methods": c.org.mfa_methods.wire_setting(),
            "auth_methods": c.org.auth_methods.wire_setting(),
        });
        if c.org.mfa_methods.restricted {
            policy["allowed_mfa_methods"] = json!(c.org.mfa_methods.allowed_list.names());
        }
        if c.org.auth_methods != AuthMethods::AllAllowed {
            policy["allowed_auth_methods"] = json!(c.org.auth_methods.wire_list());
        }
        self.api("PUT", &format!("/v1/b2b/organizations/{org}"), policy)
            .await?;
        Ok(())
    }

    /// A Stytch API call with the project's credentials; non-2xx is its `error_type`.
    async fn api(&self, method: &str, path: &str, body: Value) -> Result<Value, (String, String)> {
        let url = format!("{}{path}", self.conn.base_url);
        let req = match method {
            "PUT" => self.http.put(url),
            _ => self.http.post(url),
        };
        let resp = req
            .json(&body)
            .basic_auth(&self.conn.project_id, Some(&self.conn.secret))
            .send()
            .await
            .map_err(|e| fail("transport", format!("{path}: {e}")))?;
        let status = resp.status();
        let v: Value = resp
            .json()
            .await
            .map_err(|e| fail("bad_response", format!("{path}: {e}")))?;
        if status.is_success() {
            Ok(v)
        } else {
            let t = v["error_type"]
                .as_str()
                .unwrap_or("stytch_error")
                .to_owned();
            Err((t, format!("{method} {path}: {status}: {v}")))
        }
    }
}
