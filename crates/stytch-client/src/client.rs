//! HTTP plumbing: Basic auth, absolute `/v1/b2b/...` routes, JSON in and out, error mapping.
//!
//! Every endpoint method in [`crate::api`] goes through [`StytchClient::send`], so status
//! handling lives in one place. Must never log request bodies (they carry secrets).

use reqwest::{Method, Url};
use serde::{Serialize, de::DeserializeOwned};

use crate::config::ClientConfig;
use crate::error::{StytchError, parse_error};
use crate::secret::{ExposeSecretStr, Secret};

/// A cheap-to-clone handle (the connection pool is shared).
#[derive(Clone, Debug)]
pub struct StytchClient {
    http: reqwest::Client,
    base: Url,
    project_id: String,
    secret: Secret,
}

impl StytchClient {
    pub fn new(config: ClientConfig) -> Result<Self, StytchError> {
        let base = Url::parse(&config.base_url)
            .map_err(|e| StytchError::Config(format!("base URL {:?}: {e}", config.base_url)))?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err(StytchError::Config(format!(
                "base URL {:?} is not http(s)",
                config.base_url
            )));
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("stytch-client-rs/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(StytchError::Transport)?;
        Ok(StytchClient {
            http,
            base,
            project_id: config.project_id,
            secret: config.secret,
        })
    }

    pub fn project_id(&self) -> &str {
        &self.project_id
    }

    /// `segments` are percent-encoded one by one, so ids containing `/` or `+` stay intact.
    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        url.set_query(None);
        url.set_fragment(None);
        if let Ok(mut path) = url.path_segments_mut() {
            path.clear().extend(["v1", "b2b"]).extend(segments);
        }
        url
    }

    pub(crate) async fn post<B: Serialize, R: DeserializeOwned>(
        &self,
        segments: &[&str],
        body: &B,
    ) -> Result<R, StytchError> {
        self.send(Method::POST, self.url(segments), Some(body))
            .await
    }

    pub(crate) async fn put<B: Serialize, R: DeserializeOwned>(
        &self,
        segments: &[&str],
        body: &B,
    ) -> Result<R, StytchError> {
        self.send(Method::PUT, self.url(segments), Some(body)).await
    }

    pub(crate) async fn get<R: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, &str)],
    ) -> Result<R, StytchError> {
        let mut url = self.url(segments);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        self.send::<(), R>(Method::GET, url, None).await
    }

    async fn send<B: Serialize, R: DeserializeOwned>(
        &self,
        method: Method,
        url: Url,
        body: Option<&B>,
    ) -> Result<R, StytchError> {
        let mut req = self
            .http
            .request(method, url)
            .basic_auth(&self.project_id, Some(self.secret.expose_secret()));
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.map_err(StytchError::Transport)?;
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.map_err(StytchError::Transport)?;
        if status >= 400 {
            return Err(parse_error(status, &bytes));
        }
        serde_json::from_slice(&bytes).map_err(|source| StytchError::Decode { status, source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(base: &str) -> StytchClient {
        StytchClient::new(ClientConfig::new(base, "project-test-x", "s")).unwrap()
    }

    #[test]
    fn routes_are_absolute_and_segments_encoded() {
        let c = client("http://127.0.0.1:9010/ignored/path/?q=1");
        let url = c.url(&["organizations", "org/1+2", "member"]);
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9010/v1/b2b/organizations/org%2F1+2/member"
        );
    }

    #[test]
    fn rejects_a_non_http_base() {
        let e = StytchClient::new(ClientConfig::new("mailto:a@b", "p", "s")).unwrap_err();
        assert!(matches!(e, StytchError::Config(_)), "{e:?}");
    }
}
