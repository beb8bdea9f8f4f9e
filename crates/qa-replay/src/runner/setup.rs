//! Scenario setup: the organizations and members a scenario declares, created with the Stytch
//! client directly (the engine has no admin API), and their passwords set through the reset
//! email; a matrix case's organization policy and member factors are set by `shape`. Setup
//! creates no login flow and its requests never appear in any step's trace.

use std::collections::{BTreeMap, HashSet, VecDeque};

use mfa_engine::store::{AnyFlowStore, FlowStoreLocation};
use mfa_engine::{EngineConfig, ManualClock, MfaService};
use mock_control::MessageKind;
use stytch_client::api::members::MemberCreateRequest;
use stytch_client::api::organizations::OrganizationSettings;
use stytch_client::api::passwords::{PasswordEmailResetRequest, PasswordResetStartRequest};
use stytch_client::{ClientConfig, StytchClient};

use super::control::{self, control_error};
use super::{Conn, MemberRef, Run, StepResult, client_error, method_names};
use crate::scenario::{Case, Scenario, State};

impl Run {
    pub(super) async fn setup(
        s: &Scenario,
        case: Option<&Case>,
        conn: Conn,
    ) -> Result<Run, String> {
        let admin = StytchClient::new(ClientConfig::new(
            conn.base_url.clone(),
            conn.project_id.clone(),
            conn.secret.clone(),
        ))
        .map_err(|e| e.to_string())?;
        let location = super::FLOW_STORE
            .get()
            .unwrap_or(&FlowStoreLocation::SqliteMemory);
        let store = AnyFlowStore::open(location)
            .await
            .map_err(|e| format!("flow store {location}: {e}"))?;
        let clock = ManualClock::starting_now();
        let service =
            MfaService::with_clock(admin.clone(), store, clock.clone(), EngineConfig::default());
        let suffix = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
        let mut run = Run {
            scenario: s.clone(),
            case: case.cloned(),
            service,
            admin,
            http: reqwest::Client::new(),
            control: control::client(&conn),
            conn,
            clock,
            orgs: BTreeMap::new(),
            members: BTreeMap::new(),
            flow: None,
            flow_member: None,
            state: State::None,
            last_step: None,
            last_error: None,
            recovery_codes: VecDeque::new(),
            seen_requests: HashSet::new(),
            last_requests: Vec::new(),
        };
        for (alias, spec) in &s.organizations {
            let settings = OrganizationSettings {
                organization_name: Some(format!("{alias} {suffix}")),
                organization_slug: Some(format!(
                    "{}-{suffix}",
                    alias.to_lowercase().replace(['_', ' '], "-")
                )),
                mfa_policy: spec.mfa_policy.map(|p| p.as_str().to_owned()),
                mfa_methods: spec
                    .allowed_mfa_methods
                    .as_ref()
                    .map(|_| "RESTRICTED".to_owned()),
                allowed_mfa_methods: spec.allowed_mfa_methods.as_ref().map(|v| method_names(v)),
                auth_methods: spec
                    .allowed_auth_methods
                    .as_ref()
                    .map(|_| "RESTRICTED".to_owned()),
                allowed_auth_methods: spec.allowed_auth_methods.clone(),
                ..Default::default()
            };
            let org = run
                .admin
                .organizations_create(&settings)
                .await
                .map_err(|e| format!("organization {alias}: {e}"))?;
            run.orgs
                .insert(alias.clone(), org.organization.organization_id);
        }
        for (alias, spec) in &s.members {
            let org_id = run.orgs[&spec.org].clone();
            let email = if run.conn.unique {
                match spec.email.split_once('@') {
                    Some((local, domain)) => format!("{local}+{suffix}@{domain}"),
                    None => spec.email.clone(),
                }
            } else {
                spec.email.clone()
            };
            let req = MemberCreateRequest {
                email_address: email.clone(),
                mfa_phone_number: spec.mfa_phone_number.clone(),
                mfa_enrolled: spec.mfa_enrolled,
                is_breakglass: spec.is_breakglass,
                ..Default::default()
            };
            let m = run
                .admin
                .members_create(&org_id, &req)
                .await
                .map_err(|e| format!("member {alias}: {e}"))?;
            run.members.insert(
                alias.clone(),
                MemberRef {
                    org_id,
                    member_id: m.member_id,
                    email,
                    password: spec.password.clone(),
                },
            );
        }
        for (alias, spec) in &s.members {
            if let Some(pw) = &spec.password {
                run.set_password(alias, pw)
                    .await
                    .map_err(|(t, m)| format!("password of {alias}: {t}: {m}"))?;
            }
        }
        if let (Some(m), Some(c)) = (&s.matrix, case) {
            run.shape(m, &c.combination)
                .await
                .map_err(|(t, msg)| format!("matrix case [{}]: {t}: {msg}", c.label))?;
        }
        // Setup requests are not part of any step's trace.
        run.new_requests().await;
        Ok(run)
    }

    /// Reset-by-email with the client directly, so no login flow is created.
    async fn set_password(&mut self, alias: &str, password: &str) -> StepResult {
        let (org_id, email) = {
            let m = &self.members[alias];
            (m.org_id.clone(), m.email.clone())
        };
        self.admin
            .passwords_email_reset_start(&PasswordResetStartRequest::new(&org_id, &email))
            .await
            .map_err(client_error)?;
        let token = self
            .control
            .email_token(&email, MessageKind::PasswordReset)
            .await
            .map_err(control_error)?;
        self.admin
            .passwords_email_reset(&PasswordEmailResetRequest::new(token, password))
            .await
            .map_err(client_error)?;
        Ok(())
    }
}
