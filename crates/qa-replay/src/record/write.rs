//! Writing the scenario: the step lines as they are recorded and the final YAML file
//! (header comment, declarations, steps). It only formats what the recorder decided; it must
//! never add a step, and the only password it writes is the made-up recording password.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{PASSWORD, Recorder};

impl Recorder<'_> {
    pub(super) fn step(&mut self, key: &str, value: Option<Value>) {
        self.steps.push(match value {
            None => format!("  - {key}"),
            Some(v) => format!("  - {key}: {v}"),
        });
    }

    pub(super) fn comment(&mut self, text: String) {
        self.steps.push(format!("  # {text}"));
    }

    pub(super) fn expect(&mut self, v: Value) {
        self.step("expect", Some(v));
    }

    /// The scenario file.
    pub fn finish(self, name: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Recorded by `stytch-mfa record` from a request log (the mock's, or a HAR file's)."
        );
        let _ = writeln!(
            out,
            "# Codes, tokens and passwords were redacted before reading: right codes replay as"
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
