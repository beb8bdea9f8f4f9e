//! The scenario file format (YAML): the types a file deserializes into. Every struct denies
//! unknown keys so a typo is an error with a location, never a silently ignored expectation.
//! Loading and checking is in `load`, matrix axes and their expansion into cases in `matrix`,
//! the reference model's predictions in `predict`. docs/scenarios.md is the user-facing
//! description of this file.

mod expect;
mod load;
pub mod matrix;
pub mod predict;

use std::collections::BTreeMap;

use serde::Deserialize;

pub use expect::Expect;
pub use load::{LoadError, Loaded, load, parse};
pub use matrix::{Case, MatrixSpec};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Axes instead of one policy: the file runs once per valid combination (`matrix`).
    #[serde(default)]
    pub matrix: Option<MatrixSpec>,
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
    /// The entry point of the matrix case (replaced when the matrix is expanded).
    Matrix,
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
            Via::Matrix => "matrix",
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
    /// The right code for what the flow waits for: `from_outbox` for SMS, `totp_now` for TOTP
    /// (the method of the current challenge or the enrollment just started).
    Right,
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

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    Login(Login),
    ChooseMethod(Method),
    SendSms,
    /// `send_sms` on an SMS challenge whose code was not sent yet; nothing otherwise (a matrix
    /// journey's "send me a code" where only some cases need it).
    SendSmsIfUnsent,
    EnrollSms(Phone),
    EnrollTotp,
    /// Enroll with the first method the current enrollment offers: SMS to this phone, else TOTP.
    EnrollOffered(Phone),
    SubmitCode(Code),
    SubmitRecoveryCode(RecoveryCode),
    AdvanceClock(Seconds),
    /// Add a fault rule to the mock (the body of `POST /_mock/faults`).
    Fault(mock_control::FaultRule),
    /// Remove every fault rule from the mock.
    ClearFaults,
    SetPolicy(SetPolicy),
    BeginEnrollment(BeginEnrollment),
    StepUp,
    ExchangeSession(ExchangeSession),
    SignOut,
    /// Matrix scenarios: the rest of the steps apply only to cases whose latest `expect: model`
    /// prediction is one of these states; the others end here.
    OnlyIfModel(Vec<State>),
    #[serde(deserialize_with = "expect::de")]
    Expect(Expect),
}

impl Step {
    /// Short name for traces.
    pub fn label(&self) -> String {
        match self {
            Step::Login(l) => format!("login {} via {}", l.member, l.via.as_str()),
            Step::ChooseMethod(m) => format!("choose_method {m:?}"),
            Step::SendSms => "send_sms".into(),
            Step::SendSmsIfUnsent => "send_sms_if_unsent".into(),
            Step::EnrollSms(p) => format!("enroll_sms {}", p.phone),
            Step::EnrollTotp => "enroll_totp".into(),
            Step::EnrollOffered(p) => format!("enroll_offered {}", p.phone),
            Step::SubmitCode(c) => format!("submit_code {c:?}"),
            Step::SubmitRecoveryCode(c) => format!("submit_recovery_code {c:?}"),
            Step::AdvanceClock(s) => format!("advance_clock {}s", s.seconds),
            Step::Fault(f) => format!("fault {:?} on {}", f.action, f.path),
            Step::ClearFaults => "clear_faults".into(),
            Step::SetPolicy(p) => format!("set_policy {}", p.org),
            Step::BeginEnrollment(_) => "begin_enrollment".into(),
            Step::StepUp => "step_up".into(),
            Step::ExchangeSession(e) => format!("exchange_session to {}", e.to),
            Step::SignOut => "sign_out".into(),
            Step::OnlyIfModel(v) => format!(
                "only_if_model [{}]",
                v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ),
            Step::Expect(e) if e.model => "expect model".into(),
            Step::Expect(_) => "expect".into(),
        }
    }

    /// True when the step cannot run without the mock's control API (`case`: the matrix case,
    /// whose entry point `via: matrix` takes).
    pub fn needs_control_api(&self, case: Option<&Case>) -> bool {
        match self {
            Step::Login(l) => {
                let via = match (l.via, case) {
                    (Via::Matrix, Some(c)) => c.via(),
                    (v, _) => v,
                };
                !matches!(
                    via,
                    Via::Password | Via::SessionExchange | Via::ExistingPasswordReset
                )
            }
            Step::EnrollOffered(_) => false,
            Step::SubmitCode(c) => !matches!(c, Code::Literal(_)),
            Step::AdvanceClock(_) | Step::Fault(_) | Step::ClearFaults => true,
            _ => false,
        }
    }
}
