//! Where the client talks to and as whom: base URL, project id and secret.
//!
//! The base URL is an origin (`http://127.0.0.1:9010` for the mock, `https://test.stytch.com`
//! for a real test project); any path on it is ignored, as the official SDKs do (CONTRACT §1.1).
//! Must never print the secret.

use std::time::Duration;

use crate::secret::Secret;

/// Stytch's hosted test environment.
pub const STYTCH_TEST_URL: &str = "https://test.stytch.com";
/// Stytch's hosted live environment.
pub const STYTCH_LIVE_URL: &str = "https://api.stytch.com";

#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// Origin of the API; routes are absolute (`/v1/b2b/...`).
    pub base_url: String,
    /// Basic-auth user name, e.g. `project-test-<uuid>`.
    pub project_id: String,
    /// Basic-auth password.
    pub secret: Secret,
    /// Per-request timeout; Stytch's own SDKs wait long, a web app should not.
    pub timeout: Duration,
}

impl ClientConfig {
    pub fn new(
        base_url: impl Into<String>,
        project_id: impl Into<String>,
        secret: impl Into<Secret>,
    ) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            project_id: project_id.into(),
            secret: secret.into(),
            timeout: Duration::from_secs(30),
        }
    }

    /// A real Stytch project: the host is chosen from the project id's `-test-`/`-live-` prefix,
    /// like the official SDKs do.
    pub fn stytch_project(project_id: impl Into<String>, secret: impl Into<Secret>) -> Self {
        let project_id = project_id.into();
        let base = if project_id.starts_with("project-live-") {
            STYTCH_LIVE_URL
        } else {
            STYTCH_TEST_URL
        };
        ClientConfig::new(base, project_id, secret)
    }

    /// Read `STYTCH_PROJECT_ID`, `STYTCH_SECRET` and optionally `STYTCH_BASE_URL`.
    pub fn from_env() -> Option<Self> {
        let project_id = std::env::var("STYTCH_PROJECT_ID").ok()?;
        let secret = Secret::new(std::env::var("STYTCH_SECRET").ok()?);
        Some(match std::env::var("STYTCH_BASE_URL") {
            Ok(base) => ClientConfig::new(base, project_id, secret),
            Err(_) => ClientConfig::stytch_project(project_id, secret),
        })
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_prefix_picks_the_host() {
        assert_eq!(
            ClientConfig::stytch_project("project-live-1", "s").base_url,
            STYTCH_LIVE_URL
        );
        assert_eq!(
            ClientConfig::stytch_project("project-test-1", "s").base_url,
            STYTCH_TEST_URL
        );
    }

    #[test]
    fn debug_hides_the_secret() {
        let c = ClientConfig::new("http://x", "p", "hunter2");
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
