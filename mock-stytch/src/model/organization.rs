//! The Organization object (CONTRACT §2.1), its settings validation and its SQLite row.
//!
//! Lookups accept an id, a slug or an external id, as Stytch does. Settings that decide MFA
//! (`mfa_policy`, `mfa_methods`, `allowed_mfa_methods`, `auth_methods`) are validated together,
//! so a stored organization is always one the real API would accept.
//!
//! A few lines over 400 on purpose: the settings validation reads the row's own fields, and the
//! object, its validation and its row stay in one file so a new setting is added in one place.

use crate::db::Conn;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::catalog;
use crate::error::{ApiError, ApiResult, is_unique_violation};
use crate::model::policy::{self, AuthMethod, MethodSetting, MfaMethod, MfaPolicy};
use crate::model::validate;

const JIT_SETTINGS: &[&str] = &["ALL_ALLOWED", "RESTRICTED", "NOT_ALLOWED"];
const RESTRICTABLE: &[&str] = &["RESTRICTED", "NOT_ALLOWED"];

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Organization {
    pub organization_id: String,
    pub organization_name: String,
    pub organization_logo_url: String,
    pub organization_slug: String,
    pub sso_jit_provisioning: String,
    pub sso_jit_provisioning_allowed_connections: Vec<String>,
    pub sso_active_connections: Vec<Value>,
    pub email_allowed_domains: Vec<String>,
    pub email_jit_provisioning: String,
    pub email_invites: String,
    pub auth_methods: MethodSetting,
    pub allowed_auth_methods: Vec<AuthMethod>,
    pub mfa_policy: MfaPolicy,
    pub rbac_email_implicit_role_assignments: Vec<Value>,
    pub mfa_methods: MethodSetting,
    pub allowed_mfa_methods: Vec<MfaMethod>,
    pub oauth_tenant_jit_provisioning: String,
    pub claimed_email_domains: Vec<String>,
    pub first_party_connected_apps_allowed_type: String,
    pub allowed_first_party_connected_apps: Vec<String>,
    pub third_party_connected_apps_allowed_type: String,
    pub allowed_third_party_connected_apps: Vec<String>,
    pub custom_roles: Vec<Value>,
    pub trusted_metadata: Value,
    pub created_at: String,
    pub updated_at: String,
    pub organization_external_id: Option<String>,
    pub sso_default_connection_id: Option<String>,
    pub scim_active_connection: Option<Value>,
    pub allowed_oauth_tenants: Value,
}

/// The settable fields, shared by create (name required there) and update (all optional).
#[derive(Debug, Default, Deserialize)]
pub struct OrgSettings {
    pub organization_name: Option<String>,
    pub organization_slug: Option<String>,
    pub organization_logo_url: Option<String>,
    pub trusted_metadata: Option<Value>,
    pub organization_external_id: Option<String>,
    pub sso_jit_provisioning: Option<String>,
    pub sso_jit_provisioning_allowed_connections: Option<Vec<String>>,
    pub sso_default_connection_id: Option<String>,
    pub email_allowed_domains: Option<Vec<String>>,
    pub email_jit_provisioning: Option<String>,
    pub email_invites: Option<String>,
    pub auth_methods: Option<String>,
    pub allowed_auth_methods: Option<Vec<String>>,
    pub mfa_policy: Option<String>,
    pub rbac_email_implicit_role_assignments: Option<Vec<Value>>,
    pub mfa_methods: Option<String>,
    pub allowed_mfa_methods: Option<Vec<String>>,
    pub oauth_tenant_jit_provisioning: Option<String>,
    pub allowed_oauth_tenants: Option<Value>,
    pub claimed_email_domains: Option<Vec<String>>,
    pub first_party_connected_apps_allowed_type: Option<String>,
    pub allowed_first_party_connected_apps: Option<Vec<String>>,
    pub third_party_connected_apps_allowed_type: Option<String>,
    pub allowed_third_party_connected_apps: Option<Vec<String>>,
}

impl Organization {
    /// A new organization with Stytch's defaults, then `settings` applied and validated.
    pub fn create(id: String, now: &str, settings: OrgSettings) -> ApiResult<Organization> {
        let name = settings
            .organization_name
            .clone()
            .ok_or_else(|| ApiError::invalid_argument("organization_name is a required field."))?;
        let slug = match &settings.organization_slug {
            Some(s) => s.clone(),
            None => slug_from_name(&name, &id),
        };
        let mut org = Organization {
            organization_id: id,
            organization_name: String::new(),
            organization_logo_url: String::new(),
            organization_slug: slug,
            sso_jit_provisioning: "ALL_ALLOWED".into(),
            sso_jit_provisioning_allowed_connections: vec![],
            sso_active_connections: vec![],
            email_allowed_domains: vec![],
            email_jit_provisioning: "NOT_ALLOWED".into(),
            email_invites: "ALL_ALLOWED".into(),
            auth_methods: MethodSetting::AllAllowed,
            allowed_auth_methods: vec![],
            mfa_policy: MfaPolicy::Optional,
            rbac_email_implicit_role_assignments: vec![],
            mfa_methods: MethodSetting::AllAllowed,
            allowed_mfa_methods: vec![],
            oauth_tenant_jit_provisioning: "NOT_ALLOWED".into(),
            claimed_email_domains: vec![],
            first_party_connected_apps_allowed_type: "ALL_ALLOWED".into(),
            allowed_first_party_connected_apps: vec![],
            third_party_connected_apps_allowed_type: "ALL_ALLOWED".into(),
            allowed_third_party_connected_apps: vec![],
            custom_roles: vec![],
            trusted_metadata: Value::Object(Default::default()),
            created_at: now.to_owned(),
            updated_at: now.to_owned(),
            organization_external_id: None,
            sso_default_connection_id: None,
            scim_active_connection: None,
            allowed_oauth_tenants: Value::Object(Default::default()),
        };
        org.apply(settings, now)?;
        Ok(org)
    }

    /// Apply an update; on error `self` may be partly changed, so callers discard it.
    pub fn apply(&mut self, s: OrgSettings, now: &str) -> ApiResult<()> {
        if let Some(name) = s.organization_name {
            if name.trim().is_empty() || name.chars().count() > 128 {
                return Err(ApiError::of(catalog::INVALID_ORGANIZATION_NAME));
            }
            self.organization_name = name;
        }
        if let Some(slug) = s.organization_slug {
            self.organization_slug = validate::slug(&slug)?;
        }
        set(&mut self.organization_logo_url, s.organization_logo_url);
        if let Some(m) = s.trusted_metadata {
            if !m.is_object() {
                return Err(ApiError::invalid_argument(
                    "trusted_metadata must be an object.",
                ));
            }
            self.trusted_metadata = m;
        }
        if let Some(ext) = s.organization_external_id {
            self.organization_external_id = (!ext.is_empty()).then_some(ext);
        }
        if let Some(v) = s.sso_jit_provisioning {
            self.sso_jit_provisioning = validate::one_of(
                &v,
                JIT_SETTINGS,
                catalog::INVALID_SSO_JIT_PROVISIONING,
                "sso_jit_provisioning",
            )?;
        }
        set(
            &mut self.sso_jit_provisioning_allowed_connections,
            s.sso_jit_provisioning_allowed_connections,
        );
        if let Some(id) = s.sso_default_connection_id {
            self.sso_default_connection_id = (!id.is_empty()).then_some(id);
        }
        if let Some(domains) = s.email_allowed_domains {
            self.email_allowed_domains = domains
                .into_iter()
                .map(|d| d.to_ascii_lowercase())
                .collect();
        }
        if let Some(v) = s.email_jit_provisioning {
            self.email_jit_provisioning = validate::one_of(
                &v,
                RESTRICTABLE,
                catalog::INVALID_EMAIL_JIT_PROVISIONING,
                "email_jit_provisioning",
            )?;
        }
        if let Some(v) = s.email_invites {
            self.email_invites = validate::one_of(
                &v,
                JIT_SETTINGS,
                catalog::INVALID_EMAIL_INVITES,
                "email_invites",
            )?;
        }
        if let Some(v) = s.auth_methods {
            self.auth_methods = policy::parse(
                &v,
                MethodSetting::from_wire,
                MethodSetting::WIRE,
                catalog::INVALID_ORGANIZATION_AUTH_METHODS,
                "auth_methods",
            )?;
        }
        if let Some(v) = s.allowed_auth_methods {
            self.allowed_auth_methods = policy::parse_all(
                &v,
                AuthMethod::from_wire,
                AuthMethod::WIRE,
                catalog::INVALID_ORGANIZATION_ALLOWED_AUTH_METHODS,
                "allowed_auth_methods",
            )?;
        }
        if let Some(v) = s.mfa_policy {
            self.mfa_policy = policy::parse(
                &v,
                MfaPolicy::from_wire,
                MfaPolicy::WIRE,
                catalog::INVALID_ORGANIZATION_MFA_POLICY,
                "mfa_policy",
            )?;
        }
        set(
            &mut self.rbac_email_implicit_role_assignments,
            s.rbac_email_implicit_role_assignments,
        );
        if let Some(v) = s.mfa_methods {
            self.mfa_methods = policy::parse(
                &v,
                MethodSetting::from_wire,
                MethodSetting::WIRE,
                catalog::INVALID_ORGANIZATION_MFA_FACTOR_SETTING,
                "mfa_methods",
            )?;
        }
        if let Some(v) = s.allowed_mfa_methods {
            self.allowed_mfa_methods = policy::parse_all(
                &v,
                MfaMethod::from_wire,
                MfaMethod::WIRE,
                catalog::INVALID_ORGANIZATION_ALLOWED_MFA_METHODS,
                "allowed_mfa_methods",
            )?;
        }
        if let Some(v) = s.oauth_tenant_jit_provisioning {
            self.oauth_tenant_jit_provisioning = validate::one_of(
                &v,
                RESTRICTABLE,
                catalog::INVALID_OAUTH_TENANT_JIT_PROVISIONING,
                "oauth_tenant_jit_provisioning",
            )?;
        }
        if let Some(t) = s.allowed_oauth_tenants {
            self.allowed_oauth_tenants = t;
        }
        set(&mut self.claimed_email_domains, s.claimed_email_domains);
        if let Some(v) = s.first_party_connected_apps_allowed_type {
            self.first_party_connected_apps_allowed_type = validate::one_of(
                &v,
                JIT_SETTINGS,
                catalog::INVALID_CONNECTED_APPS_SETTING,
                "first_party_connected_apps_allowed_type",
            )?;
        }
        set(
            &mut self.allowed_first_party_connected_apps,
            s.allowed_first_party_connected_apps,
        );
        if let Some(v) = s.third_party_connected_apps_allowed_type {
            self.third_party_connected_apps_allowed_type = validate::one_of(
                &v,
                JIT_SETTINGS,
                catalog::INVALID_CONNECTED_APPS_SETTING,
                "third_party_connected_apps_allowed_type",
            )?;
        }
        set(
            &mut self.allowed_third_party_connected_apps,
            s.allowed_third_party_connected_apps,
        );

        if self.mfa_methods == MethodSetting::Restricted && self.allowed_mfa_methods.is_empty() {
            return Err(ApiError::of(
                catalog::ALLOWED_MFA_METHODS_REQUIRED_FOR_RESTRICTED,
            ));
        }
        if self.auth_methods == MethodSetting::Restricted && self.allowed_auth_methods.is_empty() {
            return Err(ApiError::of(
                catalog::ALLOWED_AUTH_METHODS_REQUIRED_FOR_RESTRICTED,
            ));
        }
        self.updated_at = now.to_owned();
        Ok(())
    }

    /// Is `method` usable as an MFA factor here (ignoring breakglass)?
    pub fn allows_mfa_method(&self, method: MfaMethod) -> bool {
        self.mfa_methods != MethodSetting::Restricted || self.allowed_mfa_methods.contains(&method)
    }

    /// Is primary auth `method` allowed here (ignoring breakglass)?
    pub fn allows_auth_method(&self, method: AuthMethod) -> bool {
        self.auth_methods != MethodSetting::Restricted
            || self.allowed_auth_methods.contains(&method)
    }

    /// Find by id, slug or external id.
    pub async fn find(conn: &mut Conn, key: &str) -> ApiResult<Option<Organization>> {
        let data: Option<String> = crate::db::sql::query_scalar(
            "SELECT data FROM organizations WHERE organization_id = ?1 OR organization_slug = ?1 OR external_id = ?1 LIMIT 1",
        )
        .bind(key)
        .fetch_optional(conn)
        .await?;
        Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
    }

    /// Like [`Organization::find`], but a missing organization is `organization_not_found`.
    pub async fn get(conn: &mut Conn, key: &str) -> ApiResult<Organization> {
        Organization::find(conn, key)
            .await?
            .ok_or_else(ApiError::organization_not_found)
    }

    pub async fn insert(&self, conn: &mut Conn, seq: u64) -> ApiResult<()> {
        crate::db::sql::query(
            "INSERT INTO organizations (organization_id, organization_slug, external_id, created_seq, data) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(&self.organization_id)
        .bind(&self.organization_slug)
        .bind(&self.organization_external_id)
        .bind(seq as i64)
        .bind(serde_json::to_string(self)?)
        .execute(conn)
        .await
        .map_err(map_unique)?;
        Ok(())
    }

    pub async fn save(&self, conn: &mut Conn) -> ApiResult<()> {
        crate::db::sql::query("UPDATE organizations SET organization_slug = ?, external_id = ?, data = ? WHERE organization_id = ?")
            .bind(&self.organization_slug)
            .bind(&self.organization_external_id)
            .bind(serde_json::to_string(self)?)
            .bind(&self.organization_id)
            .execute(conn)
            .await
            .map_err(map_unique)?;
        Ok(())
    }
}

fn map_unique(e: crate::db::Error) -> ApiError {
    if is_unique_violation(&e) {
        let msg = e.to_string();
        if msg.contains("external_id") {
            ApiError::of(catalog::ORGANIZATION_EXTERNAL_ID_ALREADY_USED)
        } else {
            ApiError::of(catalog::ORGANIZATION_SLUG_ALREADY_USED)
        }
    } else {
        e.into()
    }
}

fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *field = v;
    }
}

/// A slug for an organization created without one: the name's letters and digits, lower-cased,
/// joined by `-`, plus a short suffix of the id so two organizations named alike do not clash.
fn slug_from_name(name: &str, id: &str) -> String {
    let mut slug = String::new();
    for word in name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !slug.is_empty() {
            slug.push('-');
        }
        slug.push_str(&word.to_ascii_lowercase());
    }
    slug.truncate(100);
    let suffix: String = id
        .chars()
        .rev()
        .take(6)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if slug.is_empty() {
        format!("org-{suffix}")
    } else {
        format!("{slug}-{suffix}")
    }
}
