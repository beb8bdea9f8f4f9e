//! `stytch-mfa record`: turn the mock's request log of a manual session (say, one clicked through
//! in the example app) into a scenario file that replays it.
//!
//! The log (`GET /_mock/requests`) holds method, path, status and the body with every secret
//! redacted, so a recording never contains a code, token or password: a right code becomes
//! `from_outbox` / `totp_now` / `from_enrollment`, a refused one `wrong`, and a password login
//! uses a password the recording makes up for that member. The log does not say which engine
//! action made a request, so [`Recorder`] follows the login the way the engine does (enroll or
//! challenge, the challenge's method, signed in) from what it knows of each member. It assumes one
//! person signs in at a time; requests it cannot map are kept as `# not recorded:` comments,
//! never guessed into steps. Organizations and members that existed before the log window are
//! declared from their current state, with a comment saying what a replay cannot reproduce.
//! Must never print a secret: it only ever sees redacted bodies.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use serde::Deserialize;
use serde_json::{Value, json};

/// One entry of `/_mock/requests`.
#[derive(Clone, Debug, Deserialize)]
pub struct LoggedRequest {
    pub method: String,
    pub path: String,
    pub status: u16,
    #[serde(default)]
    pub body: Value,
}

/// What the recorder knows of an organization that was not created inside the log window.
#[derive(Clone, Debug, Default)]
pub struct OrgInfo {
    pub slug: String,
    pub settings: Value,
}

/// What the recorder knows of a member that was not created inside the log window.
#[derive(Clone, Debug, Default)]
pub struct MemberInfo {
    pub organization_id: String,
    pub email: String,
    pub mfa_enrolled: bool,
    pub phone_verified: bool,
    pub totp: bool,
    pub default_method: Option<String>,
}

/// Lookups for ids the log mentions but did not create (filled from the API by [`fetch`]).
#[derive(Clone, Debug, Default)]
pub struct Directory {
    pub orgs: HashMap<String, OrgInfo>,
    pub members: HashMap<String, MemberInfo>,
    /// (organization_id, email) → member_id.
    pub by_email: HashMap<(String, String), String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Factor {
    Sms,
    Totp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FlowState {
    None,
    Enroll,
    Challenge(Factor),
    SignedIn,
}

#[derive(Default)]
struct Member {
    alias: String,
    org_alias: String,
    email: String,
    mfa_enrolled: bool,
    phone_verified: bool,
    totp: bool,
    default: Option<Factor>,
    password_used: bool,
    declared_phone: Option<String>,
    note: Option<String>,
}

struct Org {
    alias: String,
    required: bool,
    decl: serde_json::Map<String, Value>,
    note: Option<String>,
}

/// Builds the scenario while walking the log oldest first.
pub struct Recorder<'a> {
    dir: &'a Directory,
    orgs: BTreeMap<String, Org>,
    org_order: Vec<String>,
    members: HashMap<String, Member>,
    member_order: Vec<String>,
    aliases: HashSet<String>,
    steps: Vec<String>,
    state: FlowState,
    current: Option<String>,
    pending_magic_link: Option<String>,
}

const PASSWORD: &str = "recorded-Passw0rd-2030!";
const WRONG_PASSWORD: &str = "recorded-wrong-Passw0rd";

fn s<'v>(body: &'v Value, key: &str) -> Option<&'v str> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|v| *v != "[redacted]")
}

fn slugify(raw: &str) -> String {
    let out: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let out = out.trim_matches('_').to_owned();
    if out.is_empty() { "x".into() } else { out }
}

fn factor_from(name: Option<&str>) -> Option<Factor> {
    match name {
        Some("sms_otp") => Some(Factor::Sms),
        Some("totp") => Some(Factor::Totp),
        _ => None,
    }
}

impl<'a> Recorder<'a> {
    pub fn new(dir: &'a Directory) -> Self {
        Recorder {
            dir,
            orgs: BTreeMap::new(),
            org_order: vec![],
            members: HashMap::new(),
            member_order: vec![],
            aliases: HashSet::new(),
            steps: vec![],
            state: FlowState::None,
            current: None,
            pending_magic_link: None,
        }
    }

    fn unique_alias(&mut self, base: &str) -> String {
        let base = slugify(base);
        let mut alias = base.clone();
        let mut n = 2;
        while !self.aliases.insert(alias.clone()) {
            alias = format!("{base}_{n}");
            n += 1;
        }
        alias
    }

    fn step(&mut self, key: &str, value: Option<Value>) {
        self.steps.push(match value {
            None => format!("  - {key}"),
            Some(v) => format!("  - {key}: {v}"),
        });
    }

    fn comment(&mut self, text: String) {
        self.steps.push(format!("  # {text}"));
    }

    fn expect(&mut self, v: Value) {
        self.step("expect", Some(v));
    }

    fn declare_org(
        &mut self,
        id: &str,
        decl: serde_json::Map<String, Value>,
        slug: &str,
        note: Option<String>,
    ) {
        if self.orgs.contains_key(id) {
            return;
        }
        let alias = self.unique_alias(slug);
        let required = decl.get("mfa_policy").and_then(Value::as_str) == Some("REQUIRED_FOR_ALL");
        self.orgs.insert(
            id.to_owned(),
            Org {
                alias,
                required,
                decl,
                note,
            },
        );
        self.org_order.push(id.to_owned());
    }

    /// The org's alias, declaring it from the directory when the log did not create it.
    fn org(&mut self, id: &str) -> Option<String> {
        if !self.orgs.contains_key(id) {
            let info = self.dir.orgs.get(id)?.clone();
            let decl = org_decl(&info.settings);
            let note =
                Some("existed before the recording; declared with its current policy".into());
            self.declare_org(id, decl, &info.slug, note);
        }
        Some(self.orgs[id].alias.clone())
    }

    fn declare_member(&mut self, id: &str, org_id: &str, email: &str) -> Option<String> {
        let org_alias = self.org(org_id)?;
        let local = email.split(['@', '+']).next().unwrap_or(email);
        let alias = self.unique_alias(local);
        self.members.insert(
            id.to_owned(),
            Member {
                alias: alias.clone(),
                org_alias,
                email: email.to_owned(),
                ..Default::default()
            },
        );
        self.member_order.push(id.to_owned());
        Some(alias)
    }

    /// The member id for a log entry that names one (by id, or by organization + email).
    fn member_id(&mut self, body: &Value) -> Option<String> {
        let id = match s(body, "member_id") {
            Some(id) => id.to_owned(),
            None => {
                let key = (
                    s(body, "organization_id")?.to_owned(),
                    s(body, "email_address")?.to_owned(),
                );
                match self.dir.by_email.get(&key) {
                    Some(id) => id.clone(),
                    // Not a member yet (JIT sign-up): key it by email until it has an id.
                    None => format!("email:{}:{}", key.0, key.1),
                }
            }
        };
        if !self.members.contains_key(&id) {
            if let Some(info) = self.dir.members.get(&id).cloned() {
                self.declare_member(&id, &info.organization_id, &info.email)?;
                let m = self.members.get_mut(&id).expect("just declared");
                m.mfa_enrolled = info.mfa_enrolled;
                m.phone_verified = info.phone_verified;
                m.totp = info.totp;
                m.default = factor_from(info.default_method.as_deref());
                if info.phone_verified || info.totp {
                    m.note = Some(format!(
                        "existed before the recording with {}; a replay starts without {}",
                        [
                            (info.phone_verified, "a verified phone"),
                            (info.totp, "TOTP")
                        ]
                        .iter()
                        .filter(|(on, _)| *on)
                        .map(|(_, what)| *what)
                        .collect::<Vec<_>>()
                        .join(" and "),
                        if info.phone_verified && info.totp {
                            "them"
                        } else {
                            "it"
                        }
                    ));
                }
            } else if let (Some(org), Some(email)) =
                (s(body, "organization_id"), s(body, "email_address"))
            {
                let (org, email) = (org.to_owned(), email.to_owned());
                self.declare_member(&id, &org, &email)?;
            } else {
                return None;
            }
        }
        Some(id)
    }

    fn after_login(&mut self, id: &str) {
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

    fn verified(&mut self, id: &str, factor: Factor) {
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
            ("POST", "/_mock/clock") if ok => {
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

    fn code(&mut self, b: &Value, ok: bool, factor: Factor) {
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

    /// The scenario file.
    pub fn finish(self, name: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Recorded by `stytch-mfa record` from the mock's request log."
        );
        let _ = writeln!(
            out,
            "# Codes, tokens and passwords were never in the log: right codes replay as"
        );
        let _ = writeln!(
            out,
            "# from_outbox / totp_now / from_enrollment, refused ones as wrong."
        );
        let _ = writeln!(out, "name: {}", json!(name));
        let _ = writeln!(out, "organizations:");
        for id in &self.org_order {
            let o = &self.orgs[id];
            if let Some(n) = &o.note {
                let _ = writeln!(out, "  # {}: {n}", o.alias);
            }
            let _ = writeln!(out, "  {}: {}", o.alias, Value::Object(o.decl.clone()));
        }
        let _ = writeln!(out, "members:");
        if self.member_order.is_empty() {
            out.truncate(out.len() - "members:\n".len());
            let _ = writeln!(out, "members: {{}}");
        }
        for id in &self.member_order {
            let m = &self.members[id];
            if let Some(n) = &m.note {
                let _ = writeln!(out, "  # {}: {n}", m.alias);
            }
            let mut decl = json!({ "org": m.org_alias, "email": m.email });
            if let Some(p) = &m.declared_phone {
                decl["mfa_phone_number"] = json!(p);
            }
            if m.password_used {
                decl["password"] = json!(PASSWORD);
            }
            let _ = writeln!(out, "  {}: {decl}", m.alias);
        }
        let _ = writeln!(out, "steps:");
        for line in &self.steps {
            let _ = writeln!(out, "{line}");
        }
        out
    }
}

/// An organization declaration (scenario `OrgSpec`) from a create body or a fetched organization.
fn org_decl(settings: &Value) -> serde_json::Map<String, Value> {
    let mut decl = serde_json::Map::new();
    if let Some(p) = s(settings, "mfa_policy") {
        decl.insert("mfa_policy".into(), json!(p));
    }
    if s(settings, "mfa_methods") == Some("RESTRICTED") {
        decl.insert(
            "allowed_mfa_methods".into(),
            settings["allowed_mfa_methods"].clone(),
        );
    }
    if s(settings, "auth_methods") == Some("RESTRICTED") {
        decl.insert(
            "allowed_auth_methods".into(),
            settings["allowed_auth_methods"].clone(),
        );
    }
    decl
}

/// Turn a log (newest first, as `/_mock/requests` returns it) into a scenario file.
pub fn scenario_from_log(newest_first: &[LoggedRequest], dir: &Directory, name: &str) -> String {
    let mut rec = Recorder::new(dir);
    for r in newest_first.iter().rev() {
        rec.push(r);
    }
    rec.finish(name)
}

/// Read the request log of a running mock and look up every organization and member it names.
pub async fn fetch(
    base_url: &str,
    project_id: &str,
    secret: &str,
    limit: usize,
) -> Result<(Vec<LoggedRequest>, Directory), String> {
    let base = base_url.trim_end_matches('/');
    let http = reqwest::Client::new();
    let get = |path: String| {
        let req = http
            .get(format!("{base}{path}"))
            .basic_auth(project_id, Some(secret));
        async move {
            let resp = req.send().await.map_err(|e| format!("{path}: {e}"))?;
            let status = resp.status();
            let body: Value = resp.json().await.map_err(|e| format!("{path}: {e}"))?;
            if status.is_success() {
                Ok(body)
            } else {
                Err(format!("{path}: {status}: {body}"))
            }
        }
    };
    let log = get(format!("/_mock/requests?limit={limit}")).await?;
    let entries: Vec<LoggedRequest> = serde_json::from_value(log["requests"].clone())
        .map_err(|e| format!("/_mock/requests: unexpected shape: {e}"))?;

    let mut org_ids = HashSet::new();
    let mut member_ids = HashSet::new();
    let mut emails = HashSet::new();
    for e in &entries {
        let segs: Vec<&str> = e
            .path
            .split('?')
            .next()
            .unwrap_or_default()
            .split('/')
            .collect();
        let org_in_path = (segs.len() >= 5
            && segs[..4] == ["", "v1", "b2b", "organizations"]
            && segs[4].starts_with("organization-"))
        .then(|| segs[4]);
        if let Some(o) = s(&e.body, "organization_id").or(org_in_path) {
            org_ids.insert(o.to_owned());
            if let Some(m) = s(&e.body, "email_address") {
                emails.insert((o.to_owned(), m.to_owned()));
            }
        }
        if let Some(m) = s(&e.body, "member_id") {
            member_ids.insert(m.to_owned());
        }
    }
    let mut dir = Directory::default();
    for (org, email) in &emails {
        let q = format!(
            "/v1/b2b/organizations/{org}/member?email_address={}",
            urlencode(email)
        );
        if let Ok(v) = get(q).await
            && let Some(id) = v["member"]["member_id"].as_str()
        {
            member_ids.insert(id.to_owned());
            dir.by_email
                .insert((org.clone(), email.clone()), id.to_owned());
        }
    }
    for id in member_ids {
        if let Ok(v) = get(format!(
            "/v1/b2b/organizations/members/dangerously_get/{id}"
        ))
        .await
        {
            let m = &v["member"];
            let org = m["organization_id"].as_str().unwrap_or_default().to_owned();
            org_ids.insert(org.clone());
            let email = m["email_address"].as_str().unwrap_or_default().to_owned();
            dir.by_email
                .insert((org.clone(), email.clone()), id.clone());
            dir.members.insert(
                id,
                MemberInfo {
                    organization_id: org,
                    email,
                    mfa_enrolled: m["mfa_enrolled"].as_bool().unwrap_or(false),
                    phone_verified: m["mfa_phone_number_verified"].as_bool().unwrap_or(false),
                    totp: m["totp_registration_id"]
                        .as_str()
                        .is_some_and(|t| !t.is_empty()),
                    default_method: m["default_mfa_method"]
                        .as_str()
                        .filter(|d| !d.is_empty())
                        .map(str::to_owned),
                },
            );
        }
    }
    for id in org_ids {
        if let Ok(v) = get(format!("/v1/b2b/organizations/{id}")).await {
            let o = v["organization"].clone();
            let slug = o["organization_slug"].as_str().unwrap_or("org").to_owned();
            dir.orgs.insert(id, OrgInfo { slug, settings: o });
        }
    }
    Ok((entries, dir))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
