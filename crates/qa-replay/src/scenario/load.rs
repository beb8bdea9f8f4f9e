//! Loading a scenario file: parse (every struct denies unknown keys, so a typo is an error with
//! a location), then check references and the matrix rules, all before anything runs. Errors
//! read `file:line:column: message` plus a hint; nothing here may run a step.

use std::fmt;
use std::path::{Path, PathBuf};

use super::matrix::{self, Case};
use super::{Expect, MemberExpect, Scenario, Step, Via, predict};

/// A scenario file that failed to load: printed as `file:line:col: message` plus a hint.
#[derive(Debug)]
pub struct LoadError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub hint: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}\n  hint: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message,
            self.hint
        )
    }
}

/// One runnable case: a plain scenario, or one combination of a matrix scenario.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub path: PathBuf,
    pub scenario: Scenario,
    /// `Some` for a case of a matrix scenario (after [`Loaded::cases`]).
    pub case: Option<Case>,
}

impl Loaded {
    /// The cases this file runs: itself, or one per combination of its matrix.
    pub fn cases(self) -> Vec<Loaded> {
        if self.case.is_some() {
            return vec![self];
        }
        matrix::expand(&self.scenario)
            .into_iter()
            .map(|(scenario, case)| Loaded {
                path: self.path.clone(),
                scenario,
                case,
            })
            .collect()
    }
}

/// Parse and check one file.
pub fn load(path: &Path) -> Result<Loaded, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|e| LoadError {
        path: path.to_owned(),
        line: 0,
        column: 0,
        message: format!("cannot read: {e}"),
        hint: "check the path".into(),
    })?;
    parse(path, &text)
}

pub fn parse(path: &Path, text: &str) -> Result<Loaded, LoadError> {
    // Steps are written `- login: {...}` (one-key maps), not YAML tags (`!login`).
    let de = serde_yaml_ng::Deserializer::from_str(text);
    let parsed: Result<Scenario, _> = serde_yaml_ng::with::singleton_map_recursive::deserialize(de);
    let scenario: Scenario = parsed.map_err(|e| {
        let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
        let full = e.to_string();
        // serde_yaml_ng appends " at line L column C"; the location is already in front.
        let message = match full.find(" at line ") {
            Some(i) => full[..i].to_owned(),
            None => full,
        };
        let hint = hint_for(&message);
        LoadError {
            path: path.to_owned(),
            line,
            column,
            message,
            hint,
        }
    })?;
    check_references(path, text, &scenario)?;
    check_matrix(path, text, &scenario)?;
    Ok(Loaded {
        path: path.to_owned(),
        scenario,
        case: None,
    })
}

fn hint_for(message: &str) -> String {
    if message.contains("unknown field") {
        "remove the key or fix its spelling; the keys this place accepts are listed above (docs/scenarios.md)".into()
    } else if message.contains("unknown variant") {
        "use one of the names listed above (docs/scenarios.md lists every step and value)".into()
    } else if message.contains("missing field") {
        "add the key; docs/scenarios.md shows a complete example".into()
    } else if message.contains("invalid type") {
        "the value has the wrong type (e.g. a list where a map is expected, or a string for a number)".into()
    } else {
        "see docs/scenarios.md for the format".into()
    }
}

/// Members and steps must name organizations and members that exist. Serde does not keep spans
/// for values, so the location is found by searching the text for the alias.
fn check_references(path: &Path, text: &str, s: &Scenario) -> Result<(), LoadError> {
    let err = |alias: &str, message: String, hint: String| {
        let (line, column) = locate(text, alias);
        LoadError {
            path: path.to_owned(),
            line,
            column,
            message,
            hint,
        }
    };
    let orgs: Vec<&str> = s.organizations.keys().map(String::as_str).collect();
    let members: Vec<&str> = s.members.keys().map(String::as_str).collect();
    for (alias, m) in &s.members {
        if !s.organizations.contains_key(&m.org) {
            return Err(err(
                &m.org,
                format!("member `{alias}` names unknown organization `{}`", m.org),
                format!("declared organizations: {}", orgs.join(", ")),
            ));
        }
    }
    let member_ref = |name: &str| -> Result<(), LoadError> {
        if s.members.contains_key(name) {
            Ok(())
        } else {
            Err(err(
                name,
                format!("unknown member `{name}`"),
                format!("declared members: {}", members.join(", ")),
            ))
        }
    };
    for step in &s.steps {
        match step {
            Step::Login(l) => member_ref(&l.member)?,
            Step::ExchangeSession(e) => member_ref(&e.to)?,
            Step::Expect(Expect {
                member: Some(MemberExpect { name: Some(n), .. }),
                ..
            }) => member_ref(n)?,
            Step::SetPolicy(p) if !s.organizations.contains_key(&p.org) => {
                return Err(err(
                    &p.org,
                    format!("set_policy names unknown organization `{}`", p.org),
                    format!("declared organizations: {}", orgs.join(", ")),
                ));
            }
            _ => {}
        }
    }
    if s.steps.is_empty() {
        return Err(LoadError {
            path: path.to_owned(),
            line: 1,
            column: 1,
            message: "a scenario needs at least one step".into(),
            hint: "add `steps:`".into(),
        });
    }
    Ok(())
}

/// The matrix rules: the axes name a declared organization and its member, whose policy and
/// factors only the axes set; `via: matrix`, `expect: model` and `only_if_model` appear only
/// where they mean something.
fn check_matrix(path: &Path, text: &str, s: &Scenario) -> Result<(), LoadError> {
    let err = |needle: &str, message: String, hint: &str| {
        let (line, column) = locate_key(text, needle).unwrap_or_else(|| locate(text, needle));
        LoadError {
            path: path.to_owned(),
            line,
            column,
            message,
            hint: hint.to_owned(),
        }
    };
    let Some(m) = &s.matrix else {
        for (i, step) in s.steps.iter().enumerate() {
            let bad = match step {
                Step::Login(l) if l.via == Via::Matrix => Some("matrix"),
                Step::Expect(e) if e.model => Some("model"),
                Step::OnlyIfModel(_) => Some("only_if_model"),
                _ => None,
            };
            if let Some(word) = bad {
                return Err(err(
                    word,
                    format!(
                        "step {} uses `{word}` but the scenario has no `matrix:`",
                        i + 1
                    ),
                    "declare `matrix:` axes (docs/scenarios.md, matrix scenarios)",
                ));
            }
        }
        return Ok(());
    };
    let hint = "docs/scenarios.md, matrix scenarios";
    let Some(org) = s.organizations.get(&m.org) else {
        return Err(err(
            &m.org,
            format!("matrix names unknown organization `{}`", m.org),
            hint,
        ));
    };
    if org.mfa_policy.is_some()
        || org.allowed_mfa_methods.is_some()
        || org.allowed_auth_methods.is_some()
    {
        return Err(err(
            &m.org,
            format!(
                "organization `{}` is set by the matrix axes; declare it as `{{}}`",
                m.org
            ),
            hint,
        ));
    }
    match s.members.get(&m.member) {
        None => {
            return Err(err(
                &m.member,
                format!("matrix names unknown member `{}`", m.member),
                hint,
            ));
        }
        Some(ms) if ms.org != m.org => {
            return Err(err(
                &m.member,
                format!(
                    "matrix member `{}` is not in organization `{}`",
                    m.member, m.org
                ),
                hint,
            ));
        }
        Some(ms)
            if ms.mfa_enrolled.is_some()
                || ms.mfa_phone_number.is_some()
                || ms.password.is_some() =>
        {
            return Err(err(
                &m.member,
                format!(
                    "member `{}` is shaped by the matrix axes: drop mfa_enrolled, mfa_phone_number and password",
                    m.member
                ),
                hint,
            ));
        }
        Some(_) => {}
    }
    let axis_empty = [
        ("mfa_policy", m.mfa_policy.as_ref().map(Vec::len)),
        (
            "allowed_mfa_methods",
            m.allowed_mfa_methods.as_ref().map(Vec::len),
        ),
        (
            "allowed_auth_methods",
            m.allowed_auth_methods.as_ref().map(Vec::len),
        ),
        ("mfa_enrolled", m.mfa_enrolled.as_ref().map(Vec::len)),
        ("phone", m.phone.as_ref().map(Vec::len)),
        ("totp", m.totp.as_ref().map(Vec::len)),
        (
            "default_mfa_method",
            m.default_mfa_method.as_ref().map(Vec::len),
        ),
        ("entry", m.entry.as_ref().map(Vec::len)),
    ]
    .into_iter()
    .find(|(_, n)| *n == Some(0));
    if let Some((axis, _)) = axis_empty {
        return Err(err(
            axis,
            format!("matrix axis `{axis}` has no values"),
            "list at least one value, or leave the axis out for its default",
        ));
    }
    for v in m.allowed_auth_methods.iter().flatten() {
        if matrix::auth_rule(v).is_none() {
            return Err(err(
                "allowed_auth_methods",
                format!("matrix allowed_auth_methods value {v:?} is not in the policy space"),
                "use all, [magic_link, password], [sso, google_oauth] or []",
            ));
        }
    }
    for v in m.entry.iter().flatten() {
        if matrix::entry_point(*v).is_none() {
            return Err(err(
                "entry",
                format!("matrix entry `{}` is not supported", v.as_str()),
                "entry points: magic_link, password, password_reset, existing_password_reset, sso, oauth (a session exchange needs a second organization)",
            ));
        }
    }
    let mut predicted = false;
    for (i, step) in s.steps.iter().enumerate() {
        match step {
            Step::Login(l) if l.via == Via::Matrix && l.member != m.member => {
                return Err(err(
                    "matrix",
                    format!(
                        "step {}: only the matrix member `{}` logs in `via: matrix`",
                        i + 1,
                        m.member
                    ),
                    hint,
                ));
            }
            Step::Expect(e) if e.model => {
                if predict::model_point(s, i).is_none() {
                    return Err(err(
                        "model",
                        format!(
                            "step {}: `expect: model` must follow the matrix member's `login` via matrix or a `step_up`",
                            i + 1
                        ),
                        "the model predicts the login's outcome and a step-up's challenge, nothing else",
                    ));
                }
                predicted = true;
            }
            Step::OnlyIfModel(_) if !predicted => {
                return Err(err(
                    "only_if_model",
                    format!(
                        "step {}: `only_if_model` needs an `expect: model` before it",
                        i + 1
                    ),
                    hint,
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Line and column (1-based) of a matrix axis key (`  entry: [...]`) inside `matrix:`.
fn locate_key(text: &str, key: &str) -> Option<(usize, usize)> {
    let start = text.lines().position(|l| l.starts_with("matrix:"))?;
    text.lines()
        .enumerate()
        .skip(start + 1)
        .take_while(|(_, l)| l.starts_with(' ') || l.is_empty())
        .find_map(|(i, l)| {
            let trimmed = l.trim_start();
            trimmed
                .strip_prefix(key)
                .filter(|rest| rest.starts_with(':'))
                .map(|_| (i + 1, l.len() - trimmed.len() + 1))
        })
}

/// Line and column (1-based) of the last place `needle` appears as a value (`: needle`).
fn locate(text: &str, needle: &str) -> (usize, usize) {
    let mut found = (1, 1);
    for (i, line) in text.lines().enumerate() {
        if let Some(col) = line.find(&format!(": {needle}")) {
            found = (i + 1, col + 3);
        }
    }
    found
}
