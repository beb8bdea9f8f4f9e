//! [`FlowRecord`]: one `login_flows` row as plain data, and the two mappings between rows and
//! typestates. Reading a row re-checks every rule the CHECK constraints state, so a backend
//! without CHECKs still cannot hand the engine an impossible flow.

use chrono::DateTime;
use stytch_client::secret::ExposeSecretStr;
use stytch_client::{IntermediateSessionToken, SessionJwt, SessionToken};

use super::StoreError;
use crate::flow::{
    AnyLoginFlow, ChallengePending, Credential, EnrollmentPending, EnrollmentStarted, FlowCore,
    FlowId, LoginFlow, MemberSession, PrimaryAuthed, PrimaryOutcome, SessionCredential, StateKind,
};
use crate::method::{MethodSet, MfaMethod};
use crate::proof::{FactorVerified, VerifiedBy};
use crate::routing::MfaFacts;

/// One row of `login_flows` (see `migrations/engine/0001_login_flows.sql` for each column's
/// meaning). `Debug` shows no secret.
#[derive(Clone, Debug)]
pub struct FlowRecord {
    pub flow_id: String,
    pub version: i64,
    pub state: StateKind,
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
    pub sms_auto_sent: Option<bool>,
    pub default_method: Option<String>,
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
    pub(crate) fn base(core: &FlowCore, state: StateKind) -> FlowRecord {
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
            sms_auto_sent: None,
            default_method: None,
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
            StateKind::PrimaryAuthed => {
                let outcome = match r.credential()? {
                    Credential::Session(s) => {
                        r.absent(&[("sms_enrolled", self.sms_enrolled.is_some())])?;
                        PrimaryOutcome::Authenticated(FactorVerified::from_stored_row(
                            core.id,
                            VerifiedBy::PrimaryAuth,
                            s,
                        ))
                    }
                    Credential::Intermediate(ist) => {
                        if core.allowed.is_empty() {
                            return Err(r.corrupt("MFA pending but no method allowed"));
                        }
                        PrimaryOutcome::MfaPending {
                            ist,
                            facts: MfaFacts {
                                enrolled: MethodSet {
                                    sms: r.need(self.sms_enrolled, "sms_enrolled")?,
                                    totp: r.need(self.totp_enrolled, "totp_enrolled")?,
                                },
                                sms_auto_sent: r.need(self.sms_auto_sent, "sms_auto_sent")?,
                                default_method: r.method_opt(&self.default_method)?,
                                phone_number: self.phone_number.clone(),
                            },
                        }
                    }
                };
                AnyLoginFlow::PrimaryAuthed(LoginFlow {
                    core,
                    state: PrimaryAuthed { outcome },
                })
            }
            StateKind::EnrollmentPending => {
                let offered = MethodSet {
                    sms: r.need(self.offer_sms, "offer_sms")?,
                    totp: r.need(self.offer_totp, "offer_totp")?,
                };
                if offered.is_empty() || !offered.is_subset_of(core.allowed) {
                    return Err(r.corrupt("offered methods empty or not allowed"));
                }
                let started = match r.method_opt(&self.enroll_method)? {
                    None => None,
                    Some(MfaMethod::Sms) => Some(EnrollmentStarted::Sms {
                        phone_number: r.need(self.phone_number.clone(), "phone_number")?,
                    }),
                    Some(MfaMethod::Totp) => Some(EnrollmentStarted::Totp {
                        registration_id: r
                            .need(self.totp_registration_id.clone(), "totp_registration_id")?,
                    }),
                };
                if started
                    .as_ref()
                    .is_some_and(|s| !offered.contains(s.method()))
                {
                    return Err(r.corrupt("started method was not offered"));
                }
                let credential = r.credential()?;
                let set_mfa_enrollment = r.need(self.set_mfa_enrollment, "set_mfa_enrollment")?;
                if set_mfa_enrollment && !credential.is_session() {
                    return Err(r.corrupt("set_mfa_enrollment without a session"));
                }
                AnyLoginFlow::EnrollmentPending(LoginFlow {
                    core,
                    state: EnrollmentPending {
                        credential,
                        offered,
                        started,
                        set_mfa_enrollment,
                        failures: r.failures()?,
                    },
                })
            }
            StateKind::ChallengePending => {
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
                AnyLoginFlow::ChallengePending(LoginFlow {
                    core,
                    state: ChallengePending {
                        credential: r.credential()?,
                        available,
                        method,
                        sms_sent,
                        phone_number: self.phone_number.clone(),
                        failures: r.failures()?,
                    },
                })
            }
            StateKind::MemberSession => match r.credential()? {
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

    fn absent(&self, columns: &[(&str, bool)]) -> Result<(), StoreError> {
        match columns.iter().find(|(_, present)| *present) {
            Some((c, _)) => Err(self.corrupt(&format!("{c} must be empty in this state"))),
            None => Ok(()),
        }
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

pub(crate) fn write_primary(state: &PrimaryAuthed, rec: &mut FlowRecord) {
    match &state.outcome {
        PrimaryOutcome::Authenticated(proof) => rec.set_session(proof.session()),
        PrimaryOutcome::MfaPending { ist, facts } => {
            rec.intermediate_session_token = Some(ist.clone());
            rec.sms_enrolled = Some(facts.enrolled.sms);
            rec.totp_enrolled = Some(facts.enrolled.totp);
            rec.sms_auto_sent = Some(facts.sms_auto_sent);
            rec.default_method = facts.default_method.map(|m| m.as_str().to_owned());
            rec.phone_number = facts.phone_number.clone();
        }
    }
}

pub(crate) fn write_enrollment(state: &EnrollmentPending, rec: &mut FlowRecord) {
    rec.set_credential(&state.credential);
    rec.offer_sms = Some(state.offered.sms);
    rec.offer_totp = Some(state.offered.totp);
    match &state.started {
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
    rec.set_mfa_enrollment = Some(state.set_mfa_enrollment);
    rec.failures = Some(i64::from(state.failures));
}

pub(crate) fn write_challenge(state: &ChallengePending, rec: &mut FlowRecord) {
    rec.set_credential(&state.credential);
    rec.sms_enrolled = Some(state.available.sms);
    rec.totp_enrolled = Some(state.available.totp);
    rec.challenge_method = Some(state.method.as_str().to_owned());
    rec.sms_sent = Some(state.sms_sent);
    rec.phone_number = state.phone_number.clone();
    rec.failures = Some(i64::from(state.failures));
}

pub(crate) fn write_session(state: &MemberSession, rec: &mut FlowRecord) {
    rec.set_session(&state.session);
}
