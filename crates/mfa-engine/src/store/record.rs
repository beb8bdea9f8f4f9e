//! [`FlowRecord`]: one `login_flows` row as plain data, and the two mappings between rows and
//! typestates. Writing reads a state's [`StateView`] (the typestates know nothing of rows);
//! reading re-checks every rule the CHECK constraints state, so a backend without CHECKs still
//! cannot hand the engine an impossible flow.

use std::marker::PhantomData;

use chrono::DateTime;
use stytch_client::secret::ExposeSecretStr;
use stytch_client::{IntermediateSessionToken, SessionJwt, SessionToken};

use super::StoreError;
use crate::credential::{Credential, SessionCredential};
use crate::flow::{
    AnyChallenge, AnyEnrollment, AnyLoginFlow, ChallengePending, EnrollmentCodePending,
    EnrollmentPending, EnrollmentStarted, FlowCore, FlowId, FlowState, LoginFlow, MemberSession,
    StateView,
};
use crate::method::{MethodSet, MfaMethod};

/// The `state` column: which of the stored states a row is in. The method (and, for an
/// enrollment, whether one was started) is in the state's own columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoredState {
    EnrollmentPending,
    ChallengePending,
    MemberSession,
}

impl StoredState {
    pub fn as_str(self) -> &'static str {
        match self {
            StoredState::EnrollmentPending => "enrollment_pending",
            StoredState::ChallengePending => "challenge_pending",
            StoredState::MemberSession => "member_session",
        }
    }

    pub fn parse(s: &str) -> Option<StoredState> {
        Some(match s {
            "enrollment_pending" => StoredState::EnrollmentPending,
            "challenge_pending" => StoredState::ChallengePending,
            "member_session" => StoredState::MemberSession,
            _ => return None,
        })
    }
}

/// One row of `login_flows` (see `migrations/engine/`). `Debug` shows no secret.
#[derive(Clone, Debug)]
pub struct FlowRecord {
    pub flow_id: String,
    pub version: i64,
    pub state: StoredState,
    pub organization_id: String,
    pub member_id: String,
    pub sms_allowed: bool,
    pub totp_allowed: bool,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
    pub intermediate_session_token: Option<IntermediateSessionToken>,
    pub session_token: Option<SessionToken>,
    pub session_jwt: Option<SessionJwt>,
    pub member_session_id: Option<String>,
    pub sms_enrolled: Option<bool>,
    pub totp_enrolled: Option<bool>,
    pub phone_number: Option<String>,
    pub offer_sms: Option<bool>,
    pub offer_totp: Option<bool>,
    pub enroll_method: Option<String>,
    pub totp_registration_id: Option<String>,
    pub set_mfa_enrollment: Option<bool>,
    pub challenge_method: Option<String>,
    pub sms_sent: Option<bool>,
    pub failures: Option<i64>,
}

impl FlowRecord {
    /// The row for `flow` as it is now.
    pub(crate) fn of<S: FlowState>(flow: &LoginFlow<S>) -> FlowRecord {
        Self::from_parts(&flow.core, flow.state.view())
    }

    pub(crate) fn from_parts(core: &FlowCore, view: StateView<'_>) -> FlowRecord {
        let state = match view {
            StateView::Enrollment { .. } => StoredState::EnrollmentPending,
            StateView::Challenge { .. } => StoredState::ChallengePending,
            StateView::Session { .. } => StoredState::MemberSession,
        };
        let mut rec = Self::base(core, state);
        match view {
            StateView::Enrollment {
                credential,
                offered,
                started,
                set_mfa_enrollment,
                failures,
            } => {
                rec.set_credential(credential);
                rec.offer_sms = Some(offered.sms);
                rec.offer_totp = Some(offered.totp);
                match started {
                    None => {}
                    Some(EnrollmentStarted::Sms { phone_number }) => {
                        rec.enroll_method = Some(MfaMethod::Sms.as_str().to_owned());
                        rec.phone_number = Some(phone_number.clone());
                    }
                    Some(EnrollmentStarted::Totp { registration_id }) => {
                        rec.enroll_method = Some(MfaMethod::Totp.as_str().to_owned());
                        rec.totp_registration_id = Some(registration_id.clone());
                    }
                }
                rec.set_mfa_enrollment = Some(set_mfa_enrollment);
                rec.failures = Some(i64::from(failures));
            }
            StateView::Challenge {
                credential,
                available,
                method,
                sms_sent,
                phone_number,
                failures,
            } => {
                rec.set_credential(credential);
                rec.sms_enrolled = Some(available.sms);
                rec.totp_enrolled = Some(available.totp);
                rec.challenge_method = Some(method.as_str().to_owned());
                rec.sms_sent = Some(sms_sent);
                rec.phone_number = phone_number.map(str::to_owned);
                rec.failures = Some(i64::from(failures));
            }
            StateView::Session { session } => rec.set_session(session),
        }
        rec
    }

    fn base(core: &FlowCore, state: StoredState) -> FlowRecord {
        FlowRecord {
            flow_id: core.id.to_string(),
            version: core.version,
            state,
            organization_id: core.organization_id.clone(),
            member_id: core.member_id.clone(),
            sms_allowed: core.allowed.sms,
            totp_allowed: core.allowed.totp,
            created_at: core.created_at.timestamp(),
            expires_at: core.expires_at.timestamp(),
            intermediate_session_token: None,
            session_token: None,
            session_jwt: None,
            member_session_id: None,
            sms_enrolled: None,
            totp_enrolled: None,
            phone_number: None,
            offer_sms: None,
            offer_totp: None,
            enroll_method: None,
            totp_registration_id: None,
            set_mfa_enrollment: None,
            challenge_method: None,
            sms_sent: None,
            failures: None,
        }
    }

    fn set_credential(&mut self, credential: &Credential) {
        match credential {
            Credential::Intermediate(ist) => self.intermediate_session_token = Some(ist.clone()),
            Credential::Session(s) => self.set_session(s),
        }
    }

    fn set_session(&mut self, s: &SessionCredential) {
        self.session_token = Some(s.token.clone());
        self.session_jwt = s.jwt.clone();
        self.member_session_id = s.member_session_id.clone();
    }

    /// Rebuild the typestate this row describes, or say what is wrong with it.
    pub fn into_flow(self) -> Result<AnyLoginFlow, StoreError> {
        let r = Reader { rec: &self };
        let core = r.core()?;
        Ok(match self.state {
            StoredState::EnrollmentPending => {
                let offered = MethodSet {
                    sms: r.need(self.offer_sms, "offer_sms")?,
                    totp: r.need(self.offer_totp, "offer_totp")?,
                };
                if offered.is_empty() || !offered.is_subset_of(core.allowed) {
                    return Err(r.corrupt("offered methods empty or not allowed"));
                }
                let credential = r.credential()?;
                let set_mfa_enrollment = r.need(self.set_mfa_enrollment, "set_mfa_enrollment")?;
                if set_mfa_enrollment && !credential.is_session() {
                    return Err(r.corrupt("set_mfa_enrollment without a session"));
                }
                let failures = r.failures()?;
                let started = match r.method_opt(&self.enroll_method)? {
                    None => {
                        if failures != 0 || self.phone_number.is_some() {
                            return Err(r.corrupt("nothing started, yet failures or a phone"));
                        }
                        return Ok(AnyLoginFlow::Enrollment(AnyEnrollment::Pending(
                            LoginFlow {
                                core,
                                state: EnrollmentPending {
                                    credential,
                                    offered,
                                    set_mfa_enrollment,
                                },
                            },
                        )));
                    }
                    Some(MfaMethod::Sms) => EnrollmentStarted::Sms {
                        phone_number: r.need(self.phone_number.clone(), "phone_number")?,
                    },
                    Some(MfaMethod::Totp) => EnrollmentStarted::Totp {
                        registration_id: r
                            .need(self.totp_registration_id.clone(), "totp_registration_id")?,
                    },
                };
                if !offered.contains(started.method()) {
                    return Err(r.corrupt("started method was not offered"));
                }
                let code = |started| EnrollmentCodeParts {
                    credential,
                    offered,
                    set_mfa_enrollment,
                    started,
                    failures,
                };
                AnyLoginFlow::Enrollment(match started.method() {
                    MfaMethod::Sms => AnyEnrollment::Sms(LoginFlow {
                        core,
                        state: code(started).build(),
                    }),
                    MfaMethod::Totp => AnyEnrollment::Totp(LoginFlow {
                        core,
                        state: code(started).build(),
                    }),
                })
            }
            StoredState::ChallengePending => {
                let available = MethodSet {
                    sms: r.need(self.sms_enrolled, "sms_enrolled")?,
                    totp: r.need(self.totp_enrolled, "totp_enrolled")?,
                };
                let method = r
                    .method_opt(&self.challenge_method)?
                    .ok_or_else(|| r.corrupt("challenge_method is missing"))?;
                let sms_sent = r.need(self.sms_sent, "sms_sent")?;
                if !available.contains(method)
                    || !available.is_subset_of(core.allowed)
                    || (sms_sent && method != MfaMethod::Sms)
                {
                    return Err(r.corrupt("challenge method not available"));
                }
                let (credential, failures) = (r.credential()?, r.failures()?);
                let phone_number = self.phone_number.clone();
                AnyLoginFlow::Challenge(match method {
                    MfaMethod::Sms => AnyChallenge::Sms(LoginFlow {
                        core,
                        state: challenge(credential, available, sms_sent, phone_number, failures),
                    }),
                    MfaMethod::Totp => AnyChallenge::Totp(LoginFlow {
                        core,
                        state: challenge(credential, available, sms_sent, phone_number, failures),
                    }),
                })
            }
            StoredState::MemberSession => match r.credential()? {
                Credential::Session(session) => AnyLoginFlow::MemberSession(LoginFlow {
                    core,
                    state: MemberSession { session },
                }),
                Credential::Intermediate(_) => {
                    return Err(r.corrupt("member session without a session"));
                }
            },
        })
    }
}

/// An enrollment code state's fields, before the method parameter is fixed.
struct EnrollmentCodeParts {
    credential: Credential,
    offered: MethodSet,
    set_mfa_enrollment: bool,
    started: EnrollmentStarted,
    failures: u32,
}

impl EnrollmentCodeParts {
    /// Callers pick `M` from `started.method()`.
    fn build<M: crate::kind::Method>(self) -> EnrollmentCodePending<M> {
        EnrollmentCodePending {
            credential: self.credential,
            offered: self.offered,
            set_mfa_enrollment: self.set_mfa_enrollment,
            started: self.started,
            failures: self.failures,
            method: PhantomData,
        }
    }
}

/// Callers pick `M` from the `challenge_method` column.
fn challenge<M: crate::kind::Method>(
    credential: Credential,
    available: MethodSet,
    sms_sent: bool,
    phone_number: Option<String>,
    failures: u32,
) -> ChallengePending<M> {
    let mut state = ChallengePending::new(credential, available, sms_sent, phone_number);
    state.failures = failures;
    state
}

/// Helpers that turn a missing or malformed column into [`StoreError::Corrupt`].
struct Reader<'a> {
    rec: &'a FlowRecord,
}

impl Reader<'_> {
    fn corrupt(&self, reason: &str) -> StoreError {
        StoreError::Corrupt {
            id: self.rec.flow_id.clone(),
            reason: reason.to_owned(),
        }
    }

    fn need<T>(&self, v: Option<T>, column: &str) -> Result<T, StoreError> {
        v.ok_or_else(|| self.corrupt(&format!("{column} is missing")))
    }

    fn method_opt(&self, v: &Option<String>) -> Result<Option<MfaMethod>, StoreError> {
        v.as_deref()
            .map(|s| {
                MfaMethod::parse(s).ok_or_else(|| self.corrupt(&format!("unknown method {s:?}")))
            })
            .transpose()
    }

    fn failures(&self) -> Result<u32, StoreError> {
        let f = self.need(self.rec.failures, "failures")?;
        u32::try_from(f).map_err(|_| self.corrupt("failures out of range"))
    }

    fn core(&self) -> Result<FlowCore, StoreError> {
        let rec = self.rec;
        let id =
            FlowId::parse(&rec.flow_id).ok_or_else(|| self.corrupt("flow_id is not a UUID"))?;
        let ts = |secs: i64| {
            DateTime::from_timestamp(secs, 0).ok_or_else(|| self.corrupt("bad timestamp"))
        };
        let (created_at, expires_at) = (ts(rec.created_at)?, ts(rec.expires_at)?);
        if expires_at <= created_at || rec.version < 1 {
            return Err(self.corrupt("expiry before creation, or version below 1"));
        }
        if rec.organization_id.is_empty() || rec.member_id.is_empty() {
            return Err(self.corrupt("empty organization or member id"));
        }
        Ok(FlowCore {
            id,
            organization_id: rec.organization_id.clone(),
            member_id: rec.member_id.clone(),
            allowed: MethodSet {
                sms: rec.sms_allowed,
                totp: rec.totp_allowed,
            },
            created_at,
            expires_at,
            version: rec.version,
        })
    }

    fn credential(&self) -> Result<Credential, StoreError> {
        let rec = self.rec;
        let non_empty = |s: &str| !s.is_empty();
        match (&rec.intermediate_session_token, &rec.session_token) {
            (Some(ist), None) if non_empty(ist.expose_secret()) => {
                if rec.session_jwt.is_some() || rec.member_session_id.is_some() {
                    return Err(self.corrupt("session columns next to an IST"));
                }
                Ok(Credential::Intermediate(ist.clone()))
            }
            (None, Some(token)) if non_empty(token.expose_secret()) => {
                Ok(Credential::Session(SessionCredential {
                    token: token.clone(),
                    jwt: rec.session_jwt.clone(),
                    member_session_id: rec.member_session_id.clone(),
                }))
            }
            _ => Err(self.corrupt("need exactly one of IST and session token")),
        }
    }
}
