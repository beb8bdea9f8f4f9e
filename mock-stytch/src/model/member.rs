//! The Member object (CONTRACT §2.2), its SQLite row and lookups.
//!
//! Strings Stytch reports as "absent" are `""`, never null (§1.6): the Python SDK rejects null.
//! The password hash lives in its own column and never enters this struct.

use crate::db::Conn;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::catalog;
use crate::error::{ApiError, ApiResult, is_unique_violation};
use crate::model::policy::MfaMethod;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Member {
    pub organization_id: String,
    pub member_id: String,
    pub email_address: String,
    pub status: String,
    pub name: String,
    pub sso_registrations: Vec<Value>,
    pub is_breakglass: bool,
    pub member_password_id: String,
    pub oauth_registrations: Vec<Value>,
    pub email_address_verified: bool,
    pub mfa_phone_number_verified: bool,
    pub is_admin: bool,
    pub totp_registration_id: String,
    pub retired_email_addresses: Vec<Value>,
    pub is_locked: bool,
    pub mfa_enrolled: bool,
    pub mfa_phone_number: String,
    #[serde(with = "crate::model::policy::blank_or_method")]
    pub default_mfa_method: Option<MfaMethod>,
    pub roles: Vec<Value>,
    pub trusted_metadata: Value,
    pub untrusted_metadata: Value,
    pub created_at: String,
    pub updated_at: String,
    pub external_id: Option<String>,
    pub lock_created_at: Option<String>,
    pub lock_expires_at: Option<String>,
    pub scim_registration: Option<Value>,
}

impl Member {
    /// A new member with Stytch's defaults; callers then set what the request asked for.
    pub fn new(
        organization_id: &str,
        member_id: String,
        email: String,
        status: &str,
        now: &str,
    ) -> Member {
        let mut m = Member {
            organization_id: organization_id.to_owned(),
            member_id,
            email_address: email,
            status: status.to_owned(),
            name: String::new(),
            sso_registrations: vec![],
            is_breakglass: false,
            member_password_id: String::new(),
            oauth_registrations: vec![],
            email_address_verified: false,
            mfa_phone_number_verified: false,
            is_admin: false,
            totp_registration_id: String::new(),
            retired_email_addresses: vec![],
            is_locked: false,
            mfa_enrolled: false,
            mfa_phone_number: String::new(),
            default_mfa_method: None,
            roles: vec![],
            trusted_metadata: json!({}),
            untrusted_metadata: json!({}),
            created_at: now.to_owned(),
            updated_at: now.to_owned(),
            external_id: None,
            lock_created_at: None,
            lock_expires_at: None,
            scim_registration: None,
        };
        m.set_roles(&[]);
        m
    }

    /// Explicit roles replace the old ones; `stytch_member` is always there.
    pub fn set_roles(&mut self, explicit: &[String]) {
        let mut roles = vec![role("stytch_member")];
        for r in explicit {
            if r != "stytch_member" && !roles.iter().any(|x| x["role_id"] == r.as_str()) {
                roles.push(role(r));
            }
        }
        self.is_admin = explicit.iter().any(|r| r == "stytch_admin");
        self.roles = roles;
    }

    /// The role ids, as a session and its JWT list them.
    pub fn role_ids(&self) -> Vec<String> {
        self.roles
            .iter()
            .filter_map(|r| r["role_id"].as_str().map(str::to_owned))
            .collect()
    }

    /// Find in an organization by member id or external id.
    pub async fn find(
        conn: &mut Conn,
        organization_id: &str,
        key: &str,
    ) -> ApiResult<Option<Member>> {
        let data: Option<String> = crate::db::sql::query_scalar(
            "SELECT data FROM members WHERE organization_id = ?1 AND (member_id = ?2 OR external_id = ?2) LIMIT 1",
        )
        .bind(organization_id)
        .bind(key)
        .fetch_optional(conn)
        .await?;
        Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
    }

    /// Like [`Member::find`], but a missing member is `member_not_found`.
    pub async fn get(conn: &mut Conn, organization_id: &str, key: &str) -> ApiResult<Member> {
        Member::find(conn, organization_id, key)
            .await?
            .ok_or_else(ApiError::member_not_found)
    }

    pub async fn find_by_email(
        conn: &mut Conn,
        organization_id: &str,
        email: &str,
    ) -> ApiResult<Option<Member>> {
        let data: Option<String> = crate::db::sql::query_scalar(
            "SELECT data FROM members WHERE organization_id = ? AND email_address = ?",
        )
        .bind(organization_id)
        .bind(email.to_ascii_lowercase())
        .fetch_optional(conn)
        .await?;
        Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
    }

    /// Find by member id alone, in any organization.
    pub async fn find_anywhere(conn: &mut Conn, member_id: &str) -> ApiResult<Option<Member>> {
        let data: Option<String> =
            crate::db::sql::query_scalar("SELECT data FROM members WHERE member_id = ?")
                .bind(member_id)
                .fetch_optional(conn)
                .await?;
        Ok(data.map(|d| serde_json::from_str(&d)).transpose()?)
    }

    pub async fn insert(&self, conn: &mut Conn, seq: u64) -> ApiResult<()> {
        crate::db::sql::query(
            "INSERT INTO members (member_id, organization_id, email_address, external_id, created_seq, data) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&self.member_id)
        .bind(&self.organization_id)
        .bind(&self.email_address)
        .bind(&self.external_id)
        .bind(seq as i64)
        .bind(serde_json::to_string(self)?)
        .execute(conn)
        .await
        .map_err(map_unique)?;
        Ok(())
    }

    pub async fn save(&self, conn: &mut Conn) -> ApiResult<()> {
        crate::db::sql::query(
            "UPDATE members SET email_address = ?, external_id = ?, data = ? WHERE member_id = ?",
        )
        .bind(&self.email_address)
        .bind(&self.external_id)
        .bind(serde_json::to_string(self)?)
        .bind(&self.member_id)
        .execute(conn)
        .await
        .map_err(map_unique)?;
        Ok(())
    }

    pub async fn password_hash(&self, conn: &mut Conn) -> ApiResult<Option<String>> {
        Ok(
            crate::db::sql::query_scalar("SELECT password_hash FROM members WHERE member_id = ?")
                .bind(&self.member_id)
                .fetch_one(conn)
                .await?,
        )
    }

    pub async fn set_password_hash(&self, conn: &mut Conn, hash: Option<&str>) -> ApiResult<()> {
        crate::db::sql::query("UPDATE members SET password_hash = ? WHERE member_id = ?")
            .bind(hash)
            .bind(&self.member_id)
            .execute(conn)
            .await?;
        Ok(())
    }
}

fn role(id: &str) -> Value {
    json!({"role_id": id, "sources": [{"type": "direct_assignment", "details": {}}]})
}

fn map_unique(e: crate::db::Error) -> ApiError {
    if is_unique_violation(&e) {
        if e.to_string().contains("external_id") {
            ApiError::of(catalog::DUPLICATE_MEMBER_EXTERNAL_ID)
        } else {
            ApiError::of(catalog::DUPLICATE_MEMBER_EMAIL)
        }
    } else {
        e.into()
    }
}
