//! The decision table (combination → outcome) built from the reference model, grouped so a
//! reviewer can read it: one section per organization MFA rule, one row per member shape, and
//! rows split by request only where the requests really differ.
//!
//! Grouping is exact, never lossy: cells are merged only when their outcomes are equal, and the
//! counts of every group add up to the number of valid combinations (checked in [`build`]).
//! Must never consult the mock or the engine.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::methods::Methods;
use crate::model::{self, EngineStep, Outcome, Response};
use crate::space::{AuthMethods, Combination, EntryPoint, Invalid, MemberShape, MfaPolicy};

#[derive(Debug, Serialize)]
pub struct Matrix {
    pub product: usize,
    pub valid: usize,
    pub invalid: BTreeMap<Invalid, usize>,
    /// Requests that never reach the MFA decision (same-member session, refused primary method).
    pub before_mfa: Vec<Group>,
    pub sections: Vec<Section>,
}

#[derive(Debug, Serialize)]
pub struct Group {
    pub situation: &'static str,
    pub requests: String,
    pub combinations: usize,
    pub outcome: Outcome,
}

#[derive(Debug, Serialize)]
pub struct Section {
    pub mfa_policy: MfaPolicy,
    pub mfa_methods: &'static str,
    pub allowed_mfa_methods: Methods,
    pub rows: Vec<Row>,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub member: MemberShape,
    /// Which requests (entry point / `auth_methods` letting it through) this row covers.
    pub requests: String,
    pub combinations: usize,
    pub outcome: Outcome,
}

type SectionKey = (MfaPolicy, bool, Methods);

/// Run the model over the whole space and group it.
pub fn build() -> Matrix {
    let mut invalid = BTreeMap::new();
    let mut before: BTreeMap<(&'static str, Outcome), Vec<Combination>> = BTreeMap::new();
    let mut cells: BTreeMap<(SectionKey, MemberShape), Vec<(Combination, Outcome)>> =
        BTreeMap::new();
    let mut valid = 0;
    for c in Combination::all() {
        if let Err(reason) = c.validity() {
            *invalid.entry(reason).or_insert(0) += 1;
            continue;
        }
        valid += 1;
        let outcome = model::decide(&c);
        if c.same_member_session {
            before
                .entry(("same-member session passed in", outcome))
                .or_default()
                .push(c);
        } else if !model::primary_allowed(&c) {
            before
                .entry(("primary method not in allowed_auth_methods", outcome))
                .or_default()
                .push(c);
        } else {
            let key = (
                c.org.mfa_policy,
                c.org.mfa_methods.restricted,
                c.org.mfa_methods.allowed_list,
            );
            cells.entry((key, c.member)).or_default().push((c, outcome));
        }
    }
    let before_mfa = before
        .into_iter()
        .map(|((situation, outcome), combos)| Group {
            situation,
            requests: describe_requests(&combos),
            combinations: combos.len(),
            outcome,
        })
        .collect::<Vec<_>>();
    let mut sections: Vec<Section> = Vec::new();
    for ((key, member), list) in cells {
        let (mfa_policy, restricted, allowed_list) = key;
        if sections.last().is_none_or(|s| {
            (
                s.mfa_policy,
                s.mfa_methods == "RESTRICTED",
                s.allowed_mfa_methods,
            ) != key
        }) {
            sections.push(Section {
                mfa_policy,
                mfa_methods: if restricted {
                    "RESTRICTED"
                } else {
                    "ALL_ALLOWED"
                },
                allowed_mfa_methods: allowed_list,
                rows: Vec::new(),
            });
        }
        let mut by_outcome: BTreeMap<Outcome, Vec<Combination>> = BTreeMap::new();
        for (c, o) in list {
            by_outcome.entry(o).or_default().push(c);
        }
        let split = by_outcome.len() > 1;
        let section = sections.last_mut().expect("pushed above");
        for (outcome, combos) in by_outcome {
            section.rows.push(Row {
                member,
                requests: if split {
                    describe_requests(&combos)
                } else {
                    "all".to_owned()
                },
                combinations: combos.len(),
                outcome,
            });
        }
    }
    let matrix = Matrix {
        product: Combination::PRODUCT,
        valid,
        invalid,
        before_mfa,
        sections,
    };
    let grouped: usize = matrix
        .before_mfa
        .iter()
        .map(|g| g.combinations)
        .sum::<usize>()
        + matrix
            .sections
            .iter()
            .flat_map(|s| &s.rows)
            .map(|r| r.combinations)
            .sum::<usize>();
    assert_eq!(grouped, valid, "grouping lost or duplicated combinations");
    assert_eq!(
        valid + matrix.invalid.values().sum::<usize>(),
        Combination::PRODUCT
    );
    matrix
}

/// Entry points (and `auth_methods` values, when not all of them) of a set of combinations.
fn describe_requests(combos: &[Combination]) -> String {
    let mut by_entry: BTreeMap<EntryPoint, Vec<AuthMethods>> = BTreeMap::new();
    for c in combos {
        let v = by_entry.entry(c.entry).or_default();
        if !v.contains(&c.org.auth_methods) {
            v.push(c.org.auth_methods);
        }
    }
    let parts: Vec<String> = by_entry
        .into_iter()
        .map(|(e, mut auth)| {
            auth.sort();
            let auth: Vec<&str> = auth.iter().map(|a| a.label()).collect();
            format!("{} ({})", e.label(), auth.join(", "))
        })
        .collect();
    parts.join("; ")
}

impl PartialOrd for Outcome {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Outcome {
    /// Any total order will do for grouping; the JSON text is stable and unique per outcome.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        let a = serde_json::to_string(self).unwrap_or_default();
        let b = serde_json::to_string(other).unwrap_or_default();
        a.cmp(&b)
    }
}

/// Short human text for the Markdown cells.
pub fn response_text(r: &Response) -> String {
    match r {
        Response::Session => "session".into(),
        Response::PrimaryRequired {
            allowed_auth_methods,
        } => format!("IST, primary_required [{}]", allowed_auth_methods.join(",")),
        Response::MfaRequired {
            member_options,
            sms_auto_sent,
        } => {
            let opts = match member_options {
                None => "null".to_owned(),
                Some(o) => format!(
                    "{{phone: {}, totp: {}}}",
                    if o.mfa_phone_number { "set" } else { "\"\"" },
                    if o.totp_registration_id {
                        "set"
                    } else {
                        "\"\""
                    }
                ),
            };
            let sent = if *sms_auto_sent { ", SMS sent" } else { "" };
            format!("IST, member_options {opts}{sent}")
        }
    }
}

pub fn engine_text(e: &EngineStep) -> String {
    match e {
        EngineStep::SignedIn => "signed in".into(),
        EngineStep::Enroll { offered } => format!("enroll {}", offered.label()),
        EngineStep::Challenge {
            method,
            available,
            sms_sent,
            recovery_code,
        } => {
            let mut s = format!("challenge {method} of {}", available.label());
            if *sms_sent {
                s.push_str(", code sent");
            }
            if *recovery_code {
                s.push_str(", recovery ok");
            }
            s
        }
        EngineStep::PrimaryRequired => "error PrimaryRequired".into(),
    }
}

pub fn complete_text(o: &Outcome) -> String {
    match o.response {
        Response::MfaRequired { .. } if o.stuck() => "— **stuck**".into(),
        Response::MfaRequired { .. } => {
            let mut s = o.complete_with.label();
            if o.recovery_code {
                s.push_str(" + recovery code");
            }
            s
        }
        _ => "—".into(),
    }
}
