//! The embedded mock's control API (`/_mock/...`), as the demo needs it: read the outbox and
//! the current TOTP code while seeding, and forward dashboard requests (see [`crate::proxy`]).
//!
//! Demo mode only: a real Stytch has no such routes. Must never be used for a login step the
//! app performs for a user — those go through the engine.

use serde_json::Value;
use stytch_client::Secret;
use stytch_client::secret::ExposeSecretStr;

#[derive(Clone)]
pub struct MockControl {
    pub base_url: String,
    project_id: String,
    secret: Secret,
    /// Redirects are passed back to the browser (the dashboard answers form posts with 303).
    http: reqwest::Client,
}

impl MockControl {
    pub fn new(base_url: &str, project_id: &str, secret: Secret) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(MockControl {
            base_url: base_url.trim_end_matches('/').to_owned(),
            project_id: project_id.to_owned(),
            secret,
            http,
        })
    }

    /// A request to the mock with its Basic credentials.
    pub fn request(
        &self,
        method: reqwest::Method,
        path_and_query: &str,
    ) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path_and_query}", self.base_url))
            .basic_auth(&self.project_id, Some(self.secret.expose_secret()))
    }

    async fn get_json(&self, path: &str, query: &[(&str, &str)]) -> anyhow::Result<Value> {
        let resp = self
            .request(reqwest::Method::GET, path)
            .query(query)
            .send()
            .await?;
        anyhow::ensure!(resp.status().is_success(), "{path}: {}", resp.status());
        Ok(resp.json().await?)
    }

    /// The newest message matching `filter` (e.g. `[("to", email), ("kind", "password_reset")]`).
    pub async fn latest_message(&self, filter: &[(&str, &str)]) -> anyhow::Result<Value> {
        let mut query = filter.to_vec();
        query.push(("limit", "1"));
        let v = self.get_json("/_mock/outbox", &query).await?;
        v["messages"]
            .get(0)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("no message in the outbox for {filter:?}"))
    }

    /// The code an authenticator app would show now (mock clock) for this member's TOTP.
    pub async fn totp_code(
        &self,
        organization_id: &str,
        member_id: &str,
    ) -> anyhow::Result<String> {
        let v = self
            .get_json(
                "/_mock/totp/code",
                &[
                    ("organization_id", organization_id),
                    ("member_id", member_id),
                ],
            )
            .await?;
        v["code"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow::anyhow!("no TOTP code for the member"))
    }
}
