//! The scenario file format (YAML) and its loading: parse, then check references, all before
//! anything runs. Every struct denies unknown keys so a typo is an error with a location, never a
//! silently ignored expectation. docs/scenarios.md is the user-facing description of this file.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Organizations by alias; the alias is what steps and members refer to.
    pub organizations: BTreeMap<String, OrgSpec>,
    /// Members by alias.
    #[serde(default)]
    pub members: BTreeMap<String, MemberSpec>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub enum MfaPolicy {
    #[serde(rename = "REQUIRED_FOR_ALL")]
    RequiredForAll,
    #[serde(rename = "OPTIONAL")]
    Optional,
}

impl MfaPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            MfaPolicy::RequiredForAll => "REQUIRED_FOR_ALL",
            MfaPolicy::Optional => "OPTIONAL",
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    SmsOtp,
    Totp,
}

impl Method {
    pub fn engine(self) -> mfa_engine::MfaMethod {
        match self {
            Method::SmsOtp => mfa_engine::MfaMethod::Sms,
            Method::Totp => mfa_engine::MfaMethod::Totp,
        }
    }
}

/// An organization's policy. `allowed_mfa_methods` present means `mfa_methods: RESTRICTED`;
/// `allowed_auth_methods` present means `auth_methods: RESTRICTED`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgSpec {
    #[serde(default)]
    pub mfa_policy: Option<MfaPolicy>,
    #[serde(default)]
    pub allowed_mfa_methods: Option<Vec<Method>>,
    #[serde(default)]
    pub allowed_auth_methods: Option<Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberSpec {
    /// Alias of the organization the member belongs to.
    pub org: String,
    pub email: String,
    #[serde(default)]
    pub mfa_enrolled: Option<bool>,
    /// An (unverified) MFA phone number set at creation.
    #[serde(default)]
    pub mfa_phone_number: Option<String>,
    /// A password, set up through the reset-by-email flow before the steps run.
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub is_breakglass: Option<bool>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    MagicLink,
    Password,
    PasswordReset,
    ExistingPasswordReset,
    Sso,
    Oauth,
    SessionExchange,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::MagicLink => "magic_link",
            Via::Password => "password",
            Via::PasswordReset => "password_reset",
            Via::ExistingPasswordReset => "existing_password_reset",
            Via::Sso => "sso",
            Via::Oauth => "oauth",
            Via::SessionExchange => "session_exchange",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub member: String,
    pub via: Via,
    /// For `password` / `existing_password_reset`: defaults to the member's `password`.
    #[serde(default)]
    pub password: Option<String>,
    /// For `password_reset` / `existing_password_reset`.
    #[serde(default)]
    pub new_password: Option<String>,
}

/// Where a submitted MFA code comes from.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Code {
    /// The newest SMS the mock sent to the member (control API).
    FromOutbox,
    /// A code that is certainly not the right one.
    Wrong,
    /// The member's TOTP code at the mock's current time (control API).
    TotpNow,
    /// The TOTP code `N` seconds from the mock's now (control API).
    TotpAtOffset(i64),
    Literal(String),
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum RecoveryCode {
    /// The next unused recovery code handed out by `enroll_totp` in this scenario.
    FromEnrollment,
    Wrong,
    Literal(String),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phone {
    pub phone: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seconds {
    pub seconds: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetPolicy {
    pub org: String,
    #[serde(default)]
    pub mfa_policy: Option<MfaPolicy>,
    /// `[]` is not allowed by Stytch; give `all` via `mfa_methods_all: true`.
    #[serde(default)]
    pub allowed_mfa_methods: Option<Vec<Method>>,
    #[serde(default)]
    pub mfa_methods_all: bool,
    #[serde(default)]
    pub allowed_auth_methods: Option<Vec<String>>,
    #[serde(default)]
    pub auth_methods_all: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeginEnrollment {
    #[serde(default)]
    pub require_at_login: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExchangeSession {
    /// Alias of the same person's member in the other organization.
    pub to: String,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// No login flow (before login, after sign-out, after a failed primary auth).
    None,
    Enroll,
    Challenge,
    SignedIn,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::None => "none",
            State::Enroll => "enroll",
            State::Challenge => "challenge",
            State::SignedIn => "signed_in",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberExpect {
    /// Which member to look up; defaults to the member of the current flow.
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub mfa_enrolled: Option<bool>,
    /// `sms_otp`, `totp` or `none`.
    #[serde(default)]
    pub default_mfa_method: Option<String>,
    #[serde(default)]
    pub phone_verified: Option<bool>,
    #[serde(default)]
    pub totp_registered: Option<bool>,
}

/// Checks on the outcome of the previous step.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    #[serde(default)]
    pub state: Option<State>,
    #[serde(default)]
    pub member_authenticated: Option<bool>,
    /// The previous step failed with this error type (a Stytch `error_type`, or the engine's:
    /// `wrong_code`, `too_many_attempts`, `flow_expired`, `wrong_state`, ...).
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub method: Option<Method>,
    #[serde(default)]
    pub sms_sent: Option<bool>,
    #[serde(default)]
    pub attempts_left: Option<u32>,
    #[serde(default)]
    pub member: Option<MemberExpect>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    Login(Login),
    ChooseMethod(Method),
    SendSms,
    EnrollSms(Phone),
    EnrollTotp,
    SubmitCode(Code),
    SubmitRecoveryCode(RecoveryCode),
    AdvanceClock(Seconds),
    SetPolicy(SetPolicy),
    BeginEnrollment(BeginEnrollment),
    StepUp,
    ExchangeSession(ExchangeSession),
    SignOut,
    Expect(Expect),
}

impl Step {
    /// Short name for traces.
    pub fn label(&self) -> String {
        match self {
            Step::Login(l) => format!("login {} via {}", l.member, l.via.as_str()),
            Step::ChooseMethod(m) => format!("choose_method {m:?}"),
            Step::SendSms => "send_sms".into(),
            Step::EnrollSms(p) => format!("enroll_sms {}", p.phone),
            Step::EnrollTotp => "enroll_totp".into(),
            Step::SubmitCode(c) => format!("submit_code {c:?}"),
            Step::SubmitRecoveryCode(c) => format!("submit_recovery_code {c:?}"),
            Step::AdvanceClock(s) => format!("advance_clock {}s", s.seconds),
            Step::SetPolicy(p) => format!("set_policy {}", p.org),
            Step::BeginEnrollment(_) => "begin_enrollment".into(),
            Step::StepUp => "step_up".into(),
            Step::ExchangeSession(e) => format!("exchange_session to {}", e.to),
            Step::SignOut => "sign_out".into(),
            Step::Expect(_) => "expect".into(),
        }
    }

    /// True when the step cannot run without the mock's control API.
    pub fn needs_control_api(&self) -> bool {
        match self {
            Step::Login(l) => !matches!(
                l.via,
                Via::Password | Via::SessionExchange | Via::ExistingPasswordReset
            ),
            Step::SubmitCode(c) => !matches!(c, Code::Literal(_)),
            Step::AdvanceClock(_) => true,
            _ => false,
        }
    }
}

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

pub struct Loaded {
    pub path: PathBuf,
    pub scenario: Scenario,
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
    Ok(Loaded {
        path: path.to_owned(),
        scenario,
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
