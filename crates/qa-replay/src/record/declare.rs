//! What a recorded scenario declares: organizations and members with readable, unique
//! aliases, taken from create requests in the log or, for ones that existed before it, from
//! the directory [`super::fetch`] filled. It must never invent a member the log and the
//! directory do not name, and never declares a secret.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Value, json};

use super::{Directory, Factor, FlowState, Member, Org, Recorder, s};

pub(super) fn slugify(raw: &str) -> String {
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

pub(super) fn factor_from(name: Option<&str>) -> Option<Factor> {
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

    pub(super) fn declare_org(
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
    pub(super) fn org(&mut self, id: &str) -> Option<String> {
        if !self.orgs.contains_key(id) {
            let info = self.dir.orgs.get(id)?.clone();
            let decl = org_decl(&info.settings);
            let note =
                Some("existed before the recording; declared with its current policy".into());
            self.declare_org(id, decl, &info.slug, note);
        }
        Some(self.orgs[id].alias.clone())
    }

    pub(super) fn declare_member(&mut self, id: &str, org_id: &str, email: &str) -> Option<String> {
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
    pub(super) fn member_id(&mut self, body: &Value) -> Option<String> {
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
}

/// An organization declaration (scenario `OrgSpec`) from a create body or a fetched organization.
pub(super) fn org_decl(settings: &Value) -> serde_json::Map<String, Value> {
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
