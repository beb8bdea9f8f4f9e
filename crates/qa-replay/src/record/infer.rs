//! Engine-action inference: map each logged request (oldest first) to the scenario step the
//! engine took and the `expect` it implies, following the login the way the engine does. A
//! request it cannot map becomes a `# not recorded:` comment, never a guessed step; codes,
//! tokens and passwords are never read (the log has them redacted).

use serde_json::{Value, json};

use super::declare::org_decl;
use super::{Factor, FlowState, LoggedRequest, Recorder, WRONG_PASSWORD, s};

impl Recorder<'_> {
    pub(super) fn after_login(&mut self, id: &str) {
        let m = &self.members[id];
        let required = self
            .orgs
            .values()
            .any(|o| o.alias == m.org_alias && o.required);
        let has_factor = m.phone_verified || m.totp;
        self.state = if !(required || m.mfa_enrolled) {
            FlowState::SignedIn
        } else if !has_factor {
            FlowState::Enroll
        } else {
            let by_default = m.default.filter(|f| match f {
                Factor::Sms => m.phone_verified,
                Factor::Totp => m.totp,
            });
            FlowState::Challenge(by_default.unwrap_or(if m.totp {
                Factor::Totp
            } else {
                Factor::Sms
            }))
        };
        self.current = Some(id.to_owned());
        let state = match self.state {
            FlowState::SignedIn => "signed_in",
            FlowState::Enroll => "enroll",
            FlowState::Challenge(_) => "challenge",
            FlowState::None => "none",
        };
        self.expect(json!({ "state": state }));
    }

    pub(super) fn verified(&mut self, id: &str, factor: Factor) {
        let enrolling = self.state == FlowState::Enroll;
        let m = self.members.get_mut(id).expect("member known");
        match factor {
            Factor::Sms => m.phone_verified = true,
            Factor::Totp => m.totp = true,
        }
        if enrolling {
            m.default.get_or_insert(factor);
            m.mfa_enrolled = true;
        }
        self.state = FlowState::SignedIn;
    }

    /// Feed one request (oldest first).
    pub fn push(&mut self, r: &LoggedRequest) {
        let ok = (200..300).contains(&r.status);
        let b = &r.body;
        let path = r.path.split('?').next().unwrap_or(&r.path);
        match (r.method.as_str(), path) {
            ("POST", "/v1/b2b/organizations") if ok => {
                let slug = s(b, "organization_slug")
                    .or(s(b, "organization_name"))
                    .unwrap_or("org")
                    .to_owned();
                // The id is in the response, which the log does not keep: find it by slug.
                let id = self
                    .dir
                    .orgs
                    .iter()
                    .find(|(_, o)| o.slug == slug)
                    .map(|(id, _)| id.clone())
                    .unwrap_or_else(|| format!("slug:{slug}"));
                self.declare_org(&id, org_decl(b), &slug, None);
            }
            ("PUT", p)
                if p.starts_with("/v1/b2b/organizations/") && p.matches('/').count() == 4 && ok =>
            {
                let id = p.rsplit('/').next().unwrap_or_default().to_owned();
                if let Some(alias) = self.org(&id) {
                    let mut change = serde_json::Map::new();
                    change.insert("org".into(), json!(alias));
                    if let Some(p) = s(b, "mfa_policy") {
                        change.insert("mfa_policy".into(), json!(p));
                        if let Some(o) = self.orgs.get_mut(&id) {
                            o.required = p == "REQUIRED_FOR_ALL";
                        }
                    }
                    match s(b, "mfa_methods") {
                        Some("ALL_ALLOWED") => {
                            _ = change.insert("mfa_methods_all".into(), json!(true))
                        }
                        Some(_) => {
                            _ = change.insert(
                                "allowed_mfa_methods".into(),
                                b["allowed_mfa_methods"].clone(),
                            )
                        }
                        None => {}
                    }
                    match s(b, "auth_methods") {
                        Some("ALL_ALLOWED") => {
                            _ = change.insert("auth_methods_all".into(), json!(true))
                        }
                        Some(_) => {
                            _ = change.insert(
                                "allowed_auth_methods".into(),
                                b["allowed_auth_methods"].clone(),
                            )
                        }
                        None => {}
                    }
                    self.step("set_policy", Some(Value::Object(change)));
                }
            }
            ("POST", p)
                if p.starts_with("/v1/b2b/organizations/") && p.ends_with("/members") && ok =>
            {
                let org_id = p.split('/').nth(4).unwrap_or_default().to_owned();
                let Some(email) = s(b, "email_address").map(str::to_owned) else {
                    return;
                };
                let id = self
                    .dir
                    .by_email
                    .get(&(org_id.clone(), email.clone()))
                    .cloned()
                    .unwrap_or_else(|| format!("email:{org_id}:{email}"));
                if self.declare_member(&id, &org_id, &email).is_some() {
                    let m = self.members.get_mut(&id).expect("declared");
                    m.mfa_enrolled = b
                        .get("mfa_enrolled")
                        .and_then(Value::as_bool)
                        .unwrap_or(false);
                    m.declared_phone = s(b, "mfa_phone_number").map(str::to_owned);
                }
            }
            ("POST", "/v1/b2b/magic_links/email/login_or_signup") if ok => {
                self.pending_magic_link = self.member_id(b);
            }
            ("POST", "/v1/b2b/magic_links/authenticate") => match self.pending_magic_link.take() {
                Some(id) if ok => {
                    let alias = self.members[&id].alias.clone();
                    self.step(
                        "login",
                        Some(json!({ "member": alias, "via": "magic_link" })),
                    );
                    self.after_login(&id);
                }
                _ => self.comment(format!("not recorded: {} {} {}", r.method, path, r.status)),
            },
            ("POST", "/v1/b2b/passwords/authenticate") => {
                let Some(id) = self.member_id(b) else {
                    return self
                        .comment(format!("not recorded: {} {} {}", r.method, path, r.status));
                };
                let m = self.members.get_mut(&id).expect("member known");
                m.password_used = true;
                let alias = m.alias.clone();
                if ok {
                    self.step("login", Some(json!({ "member": alias, "via": "password" })));
                    self.after_login(&id);
                } else {
                    self.step(
                        "login",
                        Some(json!({ "member": alias, "via": "password", "password": WRONG_PASSWORD })),
                    );
                    self.expect(json!({ "error": "unauthorized_credentials" }));
                }
            }
            ("POST", "/v1/b2b/otps/sms/send") if ok => {
                let Some(id) = self.member_id(b) else { return };
                let phone = s(b, "mfa_phone_number").map(str::to_owned);
                let verified = self.members[&id].phone_verified;
                match self.state {
                    FlowState::Enroll => self.step("enroll_sms", Some(json!({ "phone": phone }))),
                    FlowState::Challenge(Factor::Totp) => {
                        self.step("choose_method", Some(json!("sms_otp")));
                        self.state = FlowState::Challenge(Factor::Sms);
                    }
                    FlowState::Challenge(Factor::Sms) => self.step("send_sms", None),
                    FlowState::SignedIn if verified => {
                        self.step("step_up", None);
                        self.state = FlowState::Challenge(Factor::Sms);
                    }
                    FlowState::SignedIn => {
                        self.step("begin_enrollment", Some(json!({})));
                        self.step("enroll_sms", Some(json!({ "phone": phone })));
                        self.state = FlowState::Enroll;
                    }
                    FlowState::None => self.comment(format!(
                        "not recorded (no login flow): {} {}",
                        r.method, path
                    )),
                }
            }
            ("POST", "/v1/b2b/totp") if ok => match self.state {
                FlowState::Enroll => self.step("enroll_totp", None),
                FlowState::SignedIn => {
                    self.step("begin_enrollment", Some(json!({})));
                    self.step("enroll_totp", None);
                    self.state = FlowState::Enroll;
                }
                _ => self.comment(format!(
                    "not recorded (no enrollment): {} {}",
                    r.method, path
                )),
            },
            ("POST", "/v1/b2b/otps/sms/authenticate") => self.code(b, ok, Factor::Sms),
            ("POST", "/v1/b2b/totp/authenticate") => self.code(b, ok, Factor::Totp),
            ("POST", "/v1/b2b/recovery_codes/recover") => {
                if ok {
                    self.step("submit_recovery_code", Some(json!("from_enrollment")));
                    self.expect(json!({ "state": "signed_in" }));
                    self.state = FlowState::SignedIn;
                } else {
                    self.step("submit_recovery_code", Some(json!("wrong")));
                    self.expect(json!({ "error": "wrong_code" }));
                }
            }
            ("POST", "/v1/b2b/sessions/revoke") if ok => {
                self.step("sign_out", None);
                self.state = FlowState::None;
                self.current = None;
            }
            ("POST", mock_control::path::CLOCK) if ok => {
                if let Some(n) = b.get("advance_seconds").and_then(Value::as_i64) {
                    self.step("advance_clock", Some(json!({ "seconds": n })));
                }
            }
            // Reads (and the engine's own session checks) change nothing a scenario replays.
            ("GET", _)
            | ("POST", "/v1/b2b/sessions/authenticate")
            | ("POST", "/v1/b2b/organizations/members/search") => {}
            (_, p) if p.starts_with("/_mock/") => {}
            _ => self.comment(format!("not recorded: {} {} {}", r.method, path, r.status)),
        }
    }

    pub(super) fn code(&mut self, b: &Value, ok: bool, factor: Factor) {
        let Some(id) = self.member_id(b).or_else(|| self.current.clone()) else {
            return;
        };
        // A TOTP code in an SMS challenge (or the other way round) means the member switched.
        match (self.state, factor) {
            (FlowState::Challenge(f), _) if f != factor => {
                let name = if factor == Factor::Sms {
                    "sms_otp"
                } else {
                    "totp"
                };
                self.step("choose_method", Some(json!(name)));
                self.state = FlowState::Challenge(factor);
            }
            (FlowState::SignedIn, Factor::Totp) => {
                self.step("step_up", None);
                self.state = FlowState::Challenge(Factor::Totp);
            }
            _ => {}
        }
        let source = match (ok, factor) {
            (false, _) => "wrong",
            (true, Factor::Sms) => "from_outbox",
            (true, Factor::Totp) => "totp_now",
        };
        self.step("submit_code", Some(json!(source)));
        if ok {
            self.verified(&id, factor);
            self.expect(json!({ "state": "signed_in", "member_authenticated": true }));
        } else {
            self.expect(json!({ "error": "wrong_code" }));
        }
    }
}
