//! Matrix scenarios: `matrix:` names one organization and one member of the file and lists
//! values per axis (organization policy, the member's factors, the entry point); the file runs
//! once per combination, each case a copy of the scenario named by its combination.
//!
//! The axes are policy-matrix's own space types ([`policy_matrix::Combination`]), so a case is a
//! point of the space the reference model answers for. A combination the space calls invalid
//! (e.g. `RESTRICTED` with an empty list) is kept as a case with its reason (the runner checks
//! the server refuses it), never dropped silently. Nothing here runs anything or asks the
//! model; `predict` does the latter.

use policy_matrix::{
    AuthMethods, Combination, DefaultMfa, EntryPoint, Invalid, MemberShape, Methods, MfaMethodRule,
    MfaPolicy, OrgPolicy, Phone, Totp,
};
use serde::Deserialize;

use super::{Method, Scenario, Via};

/// `allowed_mfa_methods` of one case: `all` (ALL_ALLOWED) or a list (RESTRICTED to it).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum MethodsValue {
    All(AllWord),
    List(Vec<Method>),
}

/// `allowed_auth_methods` of one case: `all` or one of the lists the space knows.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum AuthValue {
    All(AllWord),
    List(Vec<String>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AllWord {
    All,
}

/// The axes. An omitted axis has one value, the default an organization or member gets.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixSpec {
    /// Alias of the organization whose policy the axes set.
    pub org: String,
    /// Alias of the member (of that organization) whose factors the axes set.
    pub member: String,
    #[serde(default)]
    pub mfa_policy: Option<Vec<MfaPolicy>>,
    #[serde(default)]
    pub allowed_mfa_methods: Option<Vec<MethodsValue>>,
    #[serde(default)]
    pub allowed_auth_methods: Option<Vec<AuthValue>>,
    #[serde(default)]
    pub mfa_enrolled: Option<Vec<bool>>,
    #[serde(default)]
    pub phone: Option<Vec<Phone>>,
    #[serde(default)]
    pub totp: Option<Vec<Totp>>,
    #[serde(default)]
    pub default_mfa_method: Option<Vec<DefaultMfa>>,
    /// Entry points `login: {via: matrix}` takes (`session_exchange` is not an axis value).
    #[serde(default)]
    pub entry: Option<Vec<Via>>,
}

/// One case of a matrix scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub combination: Combination,
    /// The space's reason this point cannot happen: the server must refuse its setup.
    pub refused: Option<Invalid>,
    /// `mfa_policy=OPTIONAL, phone=verified, ...` over the axes the file declares.
    pub label: String,
}

impl Case {
    /// The entry point `login: {via: matrix}` takes in this case.
    pub fn via(&self) -> Via {
        via(self.combination.entry)
    }
}

pub fn entry_point(v: Via) -> Option<EntryPoint> {
    Some(match v {
        Via::MagicLink => EntryPoint::MagicLink,
        Via::Password => EntryPoint::Password,
        Via::PasswordReset => EntryPoint::PasswordResetByEmail,
        Via::ExistingPasswordReset => EntryPoint::PasswordResetByExistingPassword,
        Via::Sso => EntryPoint::Sso,
        Via::Oauth => EntryPoint::Oauth,
        Via::SessionExchange | Via::Matrix => return None,
    })
}

fn via(e: EntryPoint) -> Via {
    match e {
        EntryPoint::MagicLink => Via::MagicLink,
        EntryPoint::Password => Via::Password,
        EntryPoint::PasswordResetByEmail => Via::PasswordReset,
        EntryPoint::PasswordResetByExistingPassword => Via::ExistingPasswordReset,
        EntryPoint::Sso => Via::Sso,
        EntryPoint::Oauth => Via::Oauth,
        EntryPoint::SessionExchange => Via::SessionExchange,
    }
}

pub fn mfa_rule(v: &MethodsValue) -> MfaMethodRule {
    match v {
        MethodsValue::All(_) => MfaMethodRule {
            restricted: false,
            allowed_list: Methods::ALL,
        },
        MethodsValue::List(list) => MfaMethodRule {
            restricted: true,
            allowed_list: Methods {
                sms: list.contains(&Method::SmsOtp),
                totp: list.contains(&Method::Totp),
            },
        },
    }
}

/// The space's value for a list, or `None` when the space has no such list.
pub fn auth_rule(v: &AuthValue) -> Option<AuthMethods> {
    let AuthValue::List(list) = v else {
        return Some(AuthMethods::AllAllowed);
    };
    let mut sorted: Vec<&str> = list.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    AuthMethods::ALL.into_iter().find(|a| {
        *a != AuthMethods::AllAllowed && {
            let mut w = a.wire_list().to_vec();
            w.sort_unstable();
            w == sorted
        }
    })
}

fn values<T: Clone>(axis: &Option<Vec<T>>, default: T) -> Vec<T> {
    axis.clone().unwrap_or_else(|| vec![default])
}

impl MatrixSpec {
    /// Every combination of the axes, in axis order (policy first, entry point last).
    /// `auth_rule` must have accepted every `allowed_auth_methods` value (the loader checks).
    pub fn combinations(&self) -> Vec<Combination> {
        let auth: Vec<AuthMethods> =
            values(&self.allowed_auth_methods, AuthValue::All(AllWord::All))
                .iter()
                .filter_map(auth_rule)
                .collect();
        let mut out = Vec::new();
        for mfa_policy in values(&self.mfa_policy, MfaPolicy::Optional) {
            for m in values(&self.allowed_mfa_methods, MethodsValue::All(AllWord::All)) {
                for &auth_methods in &auth {
                    for mfa_enrolled in values(&self.mfa_enrolled, false) {
                        for phone in values(&self.phone, Phone::None) {
                            for totp in values(&self.totp, Totp::None) {
                                for d in values(&self.default_mfa_method, DefaultMfa::None) {
                                    for v in values(&self.entry, Via::MagicLink) {
                                        let Some(entry) = entry_point(v) else {
                                            continue;
                                        };
                                        out.push(Combination {
                                            org: OrgPolicy {
                                                mfa_policy,
                                                mfa_methods: mfa_rule(&m),
                                                auth_methods,
                                            },
                                            member: MemberShape {
                                                mfa_enrolled,
                                                phone,
                                                totp,
                                                default_mfa_method: d,
                                            },
                                            entry,
                                            same_member_session: false,
                                        });
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        out
    }

    /// The case's name: the declared axes with this combination's values.
    pub fn label(&self, c: &Combination) -> String {
        let mut parts = Vec::new();
        if self.mfa_policy.is_some() {
            parts.push(format!("mfa_policy={}", c.org.mfa_policy.wire()));
        }
        if self.allowed_mfa_methods.is_some() {
            let m = c.org.mfa_methods;
            let v = if m.restricted {
                m.allowed_list.label()
            } else {
                "all".into()
            };
            parts.push(format!("mfa_methods={v}"));
        }
        if self.allowed_auth_methods.is_some() {
            parts.push(format!("auth_methods={}", c.org.auth_methods.label()));
        }
        if self.mfa_enrolled.is_some() {
            parts.push(format!("enrolled={}", c.member.mfa_enrolled));
        }
        if self.phone.is_some() {
            parts.push(format!("phone={}", phone_word(c.member.phone)));
        }
        if self.totp.is_some() {
            parts.push(format!("totp={}", totp_word(c.member.totp)));
        }
        if self.default_mfa_method.is_some() {
            parts.push(format!(
                "default={}",
                default_word(c.member.default_mfa_method)
            ));
        }
        if self.entry.is_some() {
            parts.push(format!("entry={}", via(c.entry).as_str()));
        }
        parts.join(", ")
    }
}

pub fn phone_word(p: Phone) -> &'static str {
    match p {
        Phone::None => "none",
        Phone::Unverified => "unverified",
        Phone::Verified => "verified",
    }
}

pub fn totp_word(t: Totp) -> &'static str {
    match t {
        Totp::None => "none",
        Totp::Pending => "pending",
        Totp::Active => "active",
    }
}

pub fn default_word(d: DefaultMfa) -> &'static str {
    match d {
        DefaultMfa::None => "none",
        DefaultMfa::Sms => "sms_otp",
        DefaultMfa::Totp => "totp",
    }
}

/// One scenario per combination, named `name [label]` (`login: {via: matrix}` stays; the runner
/// logs in by [`Case::via`]). A scenario without a matrix is its own single case.
pub fn expand(s: &Scenario) -> Vec<(Scenario, Option<Case>)> {
    let Some(m) = &s.matrix else {
        return vec![(s.clone(), None)];
    };
    m.combinations()
        .into_iter()
        .map(|combination| {
            let label = m.label(&combination);
            let mut case = s.clone();
            case.name = format!("{} [{label}]", s.name);
            let refused = combination.validity().err();
            (
                case,
                Some(Case {
                    combination,
                    refused,
                    label,
                }),
            )
        })
        .collect()
}
