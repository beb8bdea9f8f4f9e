//! Members create/get/update — setup and the step-up path's "what is enrolled?" lookup.
//! Get is `GET /organizations/{org}/member?member_id=` (singular, query; CONTRACT §6).

use serde::Serialize;

use super::MemberResponse;
use crate::client::StytchClient;
use crate::error::StytchError;

#[derive(Clone, Debug, Default, Serialize)]
pub struct MemberCreateRequest {
    pub email_address: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_enrolled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_breakglass: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_member_as_pending: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct MemberUpdateRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_phone_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mfa_enrolled: Option<bool>,
    /// `sms_otp` | `totp`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_mfa_method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_breakglass: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
}

impl StytchClient {
    /// POST `/v1/b2b/organizations/{organization_id}/members`.
    pub async fn members_create(
        &self,
        organization_id: &str,
        req: &MemberCreateRequest,
    ) -> Result<MemberResponse, StytchError> {
        self.post(&["organizations", organization_id, "members"], req)
            .await
    }

    /// GET `/v1/b2b/organizations/{organization_id}/member?member_id=...`.
    pub async fn members_get(
        &self,
        organization_id: &str,
        member_id: &str,
    ) -> Result<MemberResponse, StytchError> {
        self.get(
            &["organizations", organization_id, "member"],
            &[("member_id", member_id)],
        )
        .await
    }

    /// GET `/v1/b2b/organizations/{organization_id}/member?email_address=...`.
    pub async fn members_get_by_email(
        &self,
        organization_id: &str,
        email_address: &str,
    ) -> Result<MemberResponse, StytchError> {
        self.get(
            &["organizations", organization_id, "member"],
            &[("email_address", email_address)],
        )
        .await
    }

    /// PUT `/v1/b2b/organizations/{organization_id}/members/{member_id}`.
    pub async fn members_update(
        &self,
        organization_id: &str,
        member_id: &str,
        req: &MemberUpdateRequest,
    ) -> Result<MemberResponse, StytchError> {
        self.put(
            &["organizations", organization_id, "members", member_id],
            req,
        )
        .await
    }
}
