//! The mock's control API (`/_mock/...`): the outbox, the TOTP code of the moment, the virtual
//! clock, SSO/OAuth tokens and the request log. Only mock targets have it; these calls are
//! never made against a target where [`has_control_api`] said no, and they must never stand in
//! for an engine or Stytch call a scenario is testing.

use serde_json::{Value, json};

use super::{Run, StepResult, fail};

/// Whether the target answers the control API with these credentials.
pub(super) async fn has_control_api(base_url: &str, project_id: &str, secret: &str) -> bool {
    let url = format!("{}/_mock/clock", base_url.trim_end_matches('/'));
    match reqwest::Client::new()
        .get(url)
        .basic_auth(project_id, Some(secret))
        .send()
        .await
    {
        Ok(r) => r.status().is_success(),
        Err(_) => false,
    }
}

impl Run {
    pub(super) async fn control_get(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Value, (String, String)> {
        let req = self
            .http
            .get(format!("{}{path}", self.conn.base_url))
            .query(query);
        self.control_send(path, req).await
    }

    pub(super) async fn control_post(
        &self,
        path: &str,
        body: Value,
    ) -> Result<Value, (String, String)> {
        let req = self
            .http
            .post(format!("{}{path}", self.conn.base_url))
            .json(&body);
        self.control_send(path, req).await
    }

    /// Send a control-API request with the project's credentials; a non-2xx answer becomes its
    /// `error_type` and a message naming the path.
    async fn control_send(
        &self,
        path: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<Value, (String, String)> {
        let resp = req
            .basic_auth(&self.conn.project_id, Some(&self.conn.secret))
            .send()
            .await
            .map_err(|e| fail("control_api", e.to_string()))?;
        let status = resp.status();
        let body: Value = resp
            .json()
            .await
            .map_err(|e| fail("control_api", e.to_string()))?;
        if !status.is_success() {
            let t = body["error_type"]
                .as_str()
                .unwrap_or("control_api")
                .to_owned();
            return Err((t, format!("{path}: {status}: {body}")));
        }
        Ok(body)
    }

    pub(super) async fn outbox_field(
        &self,
        filter: &[(&str, &str)],
        field: &str,
    ) -> Result<String, (String, String)> {
        let v = self.control_get("/_mock/outbox", filter).await?;
        v["messages"][0][field]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| {
                fail(
                    "outbox_empty",
                    format!("no message with a {field} for {filter:?}"),
                )
            })
    }

    pub(super) async fn totp_code(
        &self,
        org_id: &str,
        member_id: &str,
    ) -> Result<String, (String, String)> {
        let v = self
            .control_get(
                "/_mock/totp/code",
                &[("organization_id", org_id), ("member_id", member_id)],
            )
            .await?;
        v["code"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| fail("control_api", "no TOTP code"))
    }

    pub(super) async fn advance_mock_clock(&self, seconds: i64) -> StepResult {
        self.control_post("/_mock/clock", json!({ "advance_seconds": seconds }))
            .await
            .map(|_| ())
    }
}
