//! Performing each step kind: one function per step family (login, the engine's flow steps,
//! enrollment, codes, admin changes). Each step drives the engine's service layer and returns
//! the error it met as `(error_type, message)`; it must never decide pass or fail itself (the
//! scenario loop and the `expect` checks do) nor fake a result the engine did not give.

use mfa_engine::{LoginStep, MfaMethod};
use mock_control::{MessageKind, OauthProvider};
use stytch_client::api::organizations::OrganizationSettings;
use stytch_client::secret::ExposeSecretStr;

use super::control::control_error;
use super::{Run, StepResult, client_error, fail, method_names, service_error};
use crate::scenario::{
    BeginEnrollment, Code, Login, Method, Phone, RecoveryCode, Seconds, SetPolicy, State, Step, Via,
};

impl Run {
    pub(super) async fn act(&mut self, step: &Step) -> StepResult {
        match step {
            Step::Login(l) => self.login(l).await,
            Step::ExchangeSession(e) => self.exchange(&e.to).await,
            Step::ChooseMethod(m) => self.choose_method(*m).await,
            Step::SendSms => self.send_sms().await,
            Step::SendSmsIfUnsent => match &self.last_step {
                Some(LoginStep::Challenge(p)) if p.method == MfaMethod::Sms && !p.sms_sent => {
                    self.send_sms().await
                }
                _ => Ok(()),
            },
            Step::BeginEnrollment(b) => self.begin_enrollment(b).await,
            Step::StepUp => self.step_up().await,
            Step::SignOut => self.sign_out().await,
            Step::EnrollSms(p) => self.enroll_sms(p).await,
            Step::EnrollTotp => self.enroll_totp().await,
            Step::EnrollOffered(p) => self.enroll_offered(p).await,
            Step::SubmitCode(code) => self.submit_code(code).await,
            Step::SubmitRecoveryCode(rc) => self.submit_recovery_code(rc).await,
            Step::AdvanceClock(s) => self.advance_clock(s).await,
            Step::Fault(rule) => self.add_fault(rule).await,
            Step::ClearFaults => self.clear_faults().await,
            Step::SetPolicy(p) => self.set_policy(p).await,
            Step::Expect(_) | Step::OnlyIfModel(_) => Ok(()),
        }
    }

    /// SMS to `p` when the enrollment offers SMS, else TOTP (what the offer page would show
    /// first).
    async fn enroll_offered(&mut self, p: &Phone) -> StepResult {
        let offered = match &self.last_step {
            Some(LoginStep::Enroll(e)) => e.offered,
            _ => {
                return Err(fail(
                    "wrong_state",
                    format!(
                        "enroll_offered needs an enrollment, state is {}",
                        self.describe()
                    ),
                ));
            }
        };
        if offered.contains(MfaMethod::Sms) {
            self.enroll_sms(p).await
        } else if offered.contains(MfaMethod::Totp) {
            self.enroll_totp().await
        } else {
            Err(fail("nothing_to_offer", "the enrollment offers no method"))
        }
    }

    async fn choose_method(&mut self, m: Method) -> StepResult {
        let flow = self.flow()?;
        self.service
            .use_method(flow, m.engine())
            .await
            .map_err(service_error)?;
        Ok(())
    }

    async fn send_sms(&mut self) -> StepResult {
        let flow = self.flow()?;
        self.service
            .send_sms_code(flow)
            .await
            .map_err(service_error)?;
        Ok(())
    }

    async fn begin_enrollment(&mut self, b: &BeginEnrollment) -> StepResult {
        let flow = self.flow()?;
        self.service
            .begin_enrollment(flow, b.require_at_login)
            .await
            .map_err(service_error)?;
        Ok(())
    }

    async fn step_up(&mut self) -> StepResult {
        let flow = self.flow()?;
        self.service
            .begin_step_up(flow)
            .await
            .map_err(service_error)?;
        Ok(())
    }

    async fn sign_out(&mut self) -> StepResult {
        let flow = self.flow()?;
        self.service.logout(flow).await.map_err(service_error)?;
        self.flow = None;
        Ok(())
    }

    async fn enroll_sms(&mut self, p: &Phone) -> StepResult {
        let flow = self.flow()?;
        self.service
            .enroll_sms(flow, &p.phone)
            .await
            .map_err(service_error)?;
        Ok(())
    }

    /// TOTP's recovery codes are kept for later `submit_recovery_code` steps.
    async fn enroll_totp(&mut self) -> StepResult {
        let flow = self.flow()?;
        let setup = self
            .service
            .enroll_totp(flow)
            .await
            .map_err(service_error)?;
        self.recovery_codes = setup
            .recovery_codes
            .iter()
            .map(|c| c.expose_secret().to_owned())
            .collect();
        Ok(())
    }

    /// A code confirms an enrollment in the enroll state, answers a challenge otherwise.
    async fn submit_code(&mut self, code: &Code) -> StepResult {
        let flow = self.flow()?;
        let code = self.resolve_code(code).await?;
        let result = if self.state == State::Enroll {
            self.service.confirm_enrollment(flow, code.into()).await
        } else {
            self.service.submit_code(flow, code.into()).await
        };
        result.map_err(service_error)?;
        Ok(())
    }

    async fn submit_recovery_code(&mut self, rc: &RecoveryCode) -> StepResult {
        let flow = self.flow()?;
        let code = match rc {
            RecoveryCode::FromEnrollment => self.recovery_codes.pop_front().ok_or_else(|| {
                fail(
                    "no_recovery_code",
                    "no recovery code left from enroll_totp in this scenario",
                )
            })?,
            RecoveryCode::Wrong => "0000-0000-0000".to_owned(),
            RecoveryCode::Literal(c) => c.clone(),
        };
        self.service
            .submit_recovery_code(flow, code.into())
            .await
            .map_err(service_error)?;
        Ok(())
    }

    /// The mock's clock and the engine's clock move together.
    async fn advance_clock(&mut self, s: &Seconds) -> StepResult {
        self.advance_mock_clock(s.seconds).await?;
        self.clock.advance(chrono::Duration::seconds(s.seconds));
        Ok(())
    }

    /// An admin change to an organization's policy, with the client directly.
    async fn set_policy(&mut self, p: &SetPolicy) -> StepResult {
        let org_id = self
            .orgs
            .get(&p.org)
            .ok_or_else(|| fail("unknown_org", p.org.clone()))?
            .clone();
        let settings = OrganizationSettings {
            mfa_policy: p.mfa_policy.map(|m| m.as_str().to_owned()),
            mfa_methods: if p.mfa_methods_all {
                Some("ALL_ALLOWED".into())
            } else {
                p.allowed_mfa_methods.as_ref().map(|_| "RESTRICTED".into())
            },
            allowed_mfa_methods: p.allowed_mfa_methods.as_ref().map(|v| method_names(v)),
            auth_methods: if p.auth_methods_all {
                Some("ALL_ALLOWED".into())
            } else {
                p.allowed_auth_methods.as_ref().map(|_| "RESTRICTED".into())
            },
            allowed_auth_methods: p.allowed_auth_methods.clone(),
            ..Default::default()
        };
        self.admin
            .organizations_update(&org_id, &settings)
            .await
            .map_err(client_error)?;
        Ok(())
    }

    async fn login(&mut self, l: &Login) -> StepResult {
        let m = self.member(&l.member)?;
        let (org_id, email) = (m.org_id.clone(), m.email.clone());
        let password = l
            .password
            .clone()
            .or_else(|| m.password.clone())
            .unwrap_or_default();
        let new_password = l
            .new_password
            .clone()
            .unwrap_or_else(|| "a fresh passphrase 9174".into());
        let via = match (l.via, &self.case) {
            (Via::Matrix, Some(c)) => c.via(),
            (v, _) => v,
        };
        let result = match via {
            Via::Matrix => return Err(fail("no_matrix", "`via: matrix` outside a matrix case")),
            Via::MagicLink => {
                self.service
                    .send_magic_link(&org_id, &email)
                    .await
                    .map_err(service_error)?;
                let token = self
                    .control
                    .magic_link_token(&email)
                    .await
                    .map_err(control_error)?;
                self.service.login_with_magic_link(token.into()).await
            }
            Via::Password => {
                self.service
                    .login_with_password(&org_id, &email, password.into())
                    .await
            }
            Via::PasswordReset => {
                self.service
                    .start_password_reset(&org_id, &email)
                    .await
                    .map_err(service_error)?;
                let token = self
                    .control
                    .email_token(&email, MessageKind::PasswordReset)
                    .await
                    .map_err(control_error)?;
                let r = self
                    .service
                    .login_with_password_reset(token.into(), new_password.clone().into())
                    .await;
                if r.is_ok()
                    && let Some(m) = self.members.get_mut(&l.member)
                {
                    m.password = Some(new_password);
                }
                r
            }
            Via::ExistingPasswordReset => {
                let r = self
                    .service
                    .login_with_existing_password_reset(
                        &org_id,
                        &email,
                        password.into(),
                        new_password.clone().into(),
                    )
                    .await;
                if r.is_ok()
                    && let Some(m) = self.members.get_mut(&l.member)
                {
                    m.password = Some(new_password);
                }
                r
            }
            Via::Sso => {
                let token = self
                    .control
                    .sso_token(&org_id, &email)
                    .await
                    .map_err(control_error)?;
                self.service.login_with_sso(token.into()).await
            }
            Via::Oauth => {
                let token = self
                    .control
                    .oauth_token(&org_id, &email, OauthProvider::Google)
                    .await
                    .map_err(control_error)?;
                self.service.login_with_oauth(token.into()).await
            }
            Via::SessionExchange => return self.exchange(&l.member).await,
        };
        self.adopt(result, &l.member)
    }

    async fn exchange(&mut self, to: &str) -> StepResult {
        let flow = self.flow()?;
        let session = self.service.session(flow).await.map_err(service_error)?;
        let org_id = self.member(to)?.org_id.clone();
        let result = self
            .service
            .exchange_session(session.session_token, &org_id)
            .await;
        self.adopt(result, to)
    }

    /// The method whose code the flow waits for: the challenge's, or the enrollment's started.
    fn awaited_method(&self) -> Option<MfaMethod> {
        match &self.last_step {
            Some(LoginStep::Challenge(p)) => Some(p.method),
            Some(LoginStep::Enroll(p)) => p.started.as_ref().map(|s| s.method()),
            _ => None,
        }
    }

    /// The code a `submit_code` step sends: literal, from the outbox, the TOTP of the moment (or
    /// at an offset on the mock clock), or one known to be wrong.
    async fn resolve_code(&mut self, code: &Code) -> Result<String, (String, String)> {
        let m = self.current_member()?;
        let (org_id, member_id) = (m.org_id.clone(), m.member_id.clone());
        let code = match code {
            Code::Right => match self.awaited_method() {
                Some(MfaMethod::Sms) => &Code::FromOutbox,
                Some(MfaMethod::Totp) => &Code::TotpNow,
                None => {
                    return Err(fail(
                        "wrong_state",
                        format!("no code is awaited, state is {}", self.describe()),
                    ));
                }
            },
            other => other,
        };
        match code {
            // Resolved to one of the two above; kept so the match stays exhaustive.
            Code::Right => Err(fail("wrong_state", "no code is awaited")),
            Code::Literal(c) => Ok(c.clone()),
            Code::FromOutbox => self.sms_code(&member_id).await,
            Code::TotpNow => self.totp_code(&org_id, &member_id).await,
            Code::TotpAtOffset(n) => {
                self.advance_mock_clock(*n).await?;
                let code = self.totp_code(&org_id, &member_id).await;
                self.advance_mock_clock(-*n).await?;
                code
            }
            Code::Wrong => {
                let mut right = Vec::new();
                if let Ok(c) = self.sms_code(&member_id).await {
                    right.push(c);
                }
                if let Ok(c) = self.totp_code(&org_id, &member_id).await {
                    right.push(c);
                }
                Ok(["000000", "111111", "222222"]
                    .into_iter()
                    .find(|c| !right.iter().any(|r| r == c))
                    .unwrap_or("333333")
                    .to_owned())
            }
        }
    }
}
