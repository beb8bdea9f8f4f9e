//! Organizations create/get/update — setup and test fixtures, not part of a login.

use serde::{Deserialize, Serialize};

use crate::client::StytchClient;
use crate::error::StytchError;
use crate::wire::Organization;

/// Create and update share one body; `organization_name` is required only on create.
#[derive(Clone, Debug, Default, Serialize)]
pub struct OrganizationSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_slug: Option<String>,
    /// `OPTIONAL` | `REQUIRED_FOR_ALL`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_policy: Option<String>,
    /// `ALL_ALLOWED` | `RESTRICTED`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_methods: Option<String>,
    /// `sms_otp`, `totp`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_mfa_methods: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_methods: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_auth_methods: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_allowed_domains: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_jit_provisioning: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_invites: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct OrganizationResponse {
    #[serde(default)]
    pub request_id: String,
    pub organization: Organization,
}

impl StytchClient {
    /// POST `/v1/b2b/organizations`.
    pub async fn organizations_create(
        &self,
        settings: &OrganizationSettings,
    ) -> Result<OrganizationResponse, StytchError> {
        self.post(&["organizations"], settings).await
    }

    /// GET `/v1/b2b/organizations/{organization_id}`.
    pub async fn organizations_get(
        &self,
        organization_id: &str,
    ) -> Result<OrganizationResponse, StytchError> {
        self.get(&["organizations", organization_id], &[]).await
    }

    /// PUT `/v1/b2b/organizations/{organization_id}`.
    pub async fn organizations_update(
        &self,
        organization_id: &str,
        settings: &OrganizationSettings,
    ) -> Result<OrganizationResponse, StytchError> {
        self.put(&["organizations", organization_id], settings)
            .await
    }
}
