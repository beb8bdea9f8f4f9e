//! `POST /_mock/fixtures`: load a fixture document (organizations, members with their factors,
//! live sessions; format in the README's "Fixtures") and get the ids by alias back, typed.
//! The document goes as YAML text ([`MockControl::load_fixtures_yaml`], e.g. an
//! `include_str!`) or as any serialisable value ([`MockControl::load_fixtures`], sent as JSON).
//! Loading is idempotent on the mock's side; nothing here retries or checks the document itself.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::client::MockControl;
use crate::error::ControlError;
use crate::wire::path;

/// What a load did to one entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoadOutcome {
    Created,
    Updated,
    Unchanged,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct LoadedOrganization {
    pub organization_id: String,
    pub organization_name: String,
    pub organization_slug: String,
    pub outcome: LoadOutcome,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct LoadedMember {
    pub member_id: String,
    pub organization_id: String,
    pub email_address: String,
    /// Present when the fixture gave a TOTP secret.
    #[serde(default)]
    pub totp_registration_id: Option<String>,
    /// The registration's unused recovery codes, in order.
    #[serde(default)]
    pub recovery_codes: Option<Vec<String>>,
    pub outcome: LoadOutcome,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct LoadedSession {
    pub member_session_id: String,
    pub member_id: String,
    pub organization_id: String,
    pub session_token: String,
    /// Signed at load time; valid for 5 minutes (the token lasts the session).
    pub session_jwt: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    pub outcome: LoadOutcome,
}

/// How many entries of one section were created, updated or left unchanged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct LoadCounts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// The answer of a load: every entry by its alias.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct FixturesLoaded {
    pub organizations: BTreeMap<String, LoadedOrganization>,
    pub members: BTreeMap<String, LoadedMember>,
    pub sessions: BTreeMap<String, LoadedSession>,
    /// By section: `organizations`, `members`, `sessions`.
    pub counts: BTreeMap<String, LoadCounts>,
}

impl FixturesLoaded {
    /// The organization id of an alias (`None`: not in the document).
    pub fn organization_id(&self, alias: &str) -> Option<&str> {
        self.organizations
            .get(alias)
            .map(|o| o.organization_id.as_str())
    }

    /// The member id of an alias (`None`: not in the document).
    pub fn member_id(&self, alias: &str) -> Option<&str> {
        self.members.get(alias).map(|m| m.member_id.as_str())
    }
}

impl MockControl {
    /// `POST /_mock/fixtures` with a YAML document (`Content-Type: application/yaml`).
    pub async fn load_fixtures_yaml(&self, yaml: &str) -> Result<FixturesLoaded, ControlError> {
        let req = self
            .request(Method::POST, path::FIXTURES)
            .header(reqwest::header::CONTENT_TYPE, "application/yaml")
            .body(yaml.to_owned());
        self.send(path::FIXTURES, req).await
    }

    /// `POST /_mock/fixtures` with `doc` as JSON (any value shaped like a fixture document).
    pub async fn load_fixtures<T: Serialize + ?Sized>(
        &self,
        doc: &T,
    ) -> Result<FixturesLoaded, ControlError> {
        self.send(
            path::FIXTURES,
            self.request(Method::POST, path::FIXTURES).json(doc),
        )
        .await
    }
}
