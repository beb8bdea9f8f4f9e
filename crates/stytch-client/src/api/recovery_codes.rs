//! Recovery codes (backup for TOTP): recover (completes MFA like TOTP), get, rotate.

use serde::{Deserialize, Serialize};

use super::SessionOptions;
use crate::client::StytchClient;
use crate::error::StytchError;
use crate::secret::{Secret, SessionAuth, SessionJwt, SessionToken, expose};
use crate::wire::{Member, MemberSession, Organization};

#[derive(Clone, Debug, Serialize)]
pub struct RecoverRequest {
    pub organization_id: String,
    pub member_id: String,
    #[serde(serialize_with = "expose")]
    pub recovery_code: Secret,
    #[serde(flatten)]
    pub session: SessionAuth,
    #[serde(flatten)]
    pub session_options: SessionOptions,
}

impl RecoverRequest {
    pub fn new(
        organization_id: impl Into<String>,
        member_id: impl Into<String>,
        recovery_code: impl Into<Secret>,
        session: SessionAuth,
    ) -> Self {
        RecoverRequest {
            organization_id: organization_id.into(),
            member_id: member_id.into(),
            recovery_code: recovery_code.into(),
            session,
            session_options: SessionOptions::default(),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct RecoverResponse {
    #[serde(default)]
    pub request_id: String,
    pub member_id: String,
    pub member: Member,
    pub organization: Organization,
    pub session_token: SessionToken,
    pub session_jwt: SessionJwt,
    #[serde(default)]
    pub recovery_codes_remaining: u32,
    #[serde(default)]
    pub member_session: Option<MemberSession>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct RecoveryCodesResponse {
    #[serde(default)]
    pub request_id: String,
    pub member_id: String,
    pub member: Member,
    pub organization: Organization,
    pub recovery_codes: Vec<Secret>,
}

#[derive(Serialize)]
struct RotateBody<'a> {
    organization_id: &'a str,
    member_id: &'a str,
}

impl StytchClient {
    /// POST `/v1/b2b/recovery_codes/recover`.
    pub async fn recovery_codes_recover(
        &self,
        req: &RecoverRequest,
    ) -> Result<RecoverResponse, StytchError> {
        self.post(&["recovery_codes", "recover"], req).await
    }

    /// GET `/v1/b2b/recovery_codes/{organization_id}/{member_id}`.
    pub async fn recovery_codes_get(
        &self,
        organization_id: &str,
        member_id: &str,
    ) -> Result<RecoveryCodesResponse, StytchError> {
        self.get(&["recovery_codes", organization_id, member_id], &[])
            .await
    }

    /// POST `/v1/b2b/recovery_codes/rotate`: every old code stops working.
    pub async fn recovery_codes_rotate(
        &self,
        organization_id: &str,
        member_id: &str,
    ) -> Result<RecoveryCodesResponse, StytchError> {
        self.post(
            &["recovery_codes", "rotate"],
            &RotateBody {
                organization_id,
                member_id,
            },
        )
        .await
    }
}
