//! [`MockControl`]: the HTTP plumbing (Basic credentials as the mock expects, one error type)
//! and one method per intent. Each method is one control request (the outbox helpers one
//! filtered read); none retries, waits or falls back, so a test sees exactly what the mock did.

use std::fmt;

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ControlError, refused};
use crate::wire::{
    Channel, Clock, ClockChange, Health, Limit, LoggedRequest, MemberQuery, Message, MessageKind,
    OauthProvider, OauthTokenRequest, Outbox, OutboxFilter, RequestLog, SsoToken, SsoTokenRequest,
    TokenAnswer, TotpCode, path,
};

/// A client of one mock's control API. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct MockControl {
    base_url: String,
    project_id: String,
    secret: String,
    http: reqwest::Client,
}

impl fmt::Debug for MockControl {
    /// Never prints the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockControl")
            .field("base_url", &self.base_url)
            .field("project_id", &self.project_id)
            .finish_non_exhaustive()
    }
}

impl MockControl {
    /// A client with its own connection pool. Redirects are not followed: the dashboard answers
    /// its form posts with 303, which a proxy passes back to the browser.
    pub fn new(base_url: &str, project_id: &str, secret: &str) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap_or_default();
        Self::with_http(http, base_url, project_id, secret)
    }

    /// A client on an existing `reqwest::Client` (its pool, TLS roots and redirect policy).
    pub fn with_http(
        http: reqwest::Client,
        base_url: &str,
        project_id: &str,
        secret: &str,
    ) -> Self {
        MockControl {
            base_url: base_url.trim_end_matches('/').to_owned(),
            project_id: project_id.to_owned(),
            secret: secret.to_owned(),
            http,
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A raw request to the mock with its Basic credentials, for what is not an intent: the
    /// dashboard proxy, or a test of the control API's own error answers.
    pub fn request(&self, method: Method, path_and_query: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path_and_query}", self.base_url))
            .basic_auth(&self.project_id, Some(&self.secret))
    }

    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        path: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<T, ControlError> {
        let transport = |source| ControlError::Transport {
            path: path.to_owned(),
            source,
        };
        let resp = req.send().await.map_err(transport)?;
        let status = resp.status().as_u16();
        let body = resp.bytes().await.map_err(transport)?;
        if !(200..300).contains(&status) {
            return Err(refused(path, status, &body));
        }
        serde_json::from_slice(&body).map_err(|source| ControlError::Decode {
            path: path.to_owned(),
            status,
            source,
        })
    }

    async fn get<T: DeserializeOwned, Q: Serialize>(
        &self,
        path: &str,
        query: &Q,
    ) -> Result<T, ControlError> {
        self.send(path, self.request(Method::GET, path).query(query))
            .await
    }

    async fn post<T: DeserializeOwned, B: Serialize>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ControlError> {
        self.send(path, self.request(Method::POST, path).json(body))
            .await
    }

    /// `GET /_mock/health` (open: answers without credentials too).
    pub async fn health(&self) -> Result<Health, ControlError> {
        self.get(path::HEALTH, &()).await
    }

    /// Whether the target is a mock that accepts these credentials on its control API (a real
    /// Stytch project has no such routes).
    pub async fn is_available(&self) -> bool {
        self.clock().await.is_ok()
    }

    /// `POST /_mock/reset`: wipe all data, restart ids and the clock offset (config kept).
    pub async fn reset(&self) -> Result<(), ControlError> {
        self.post::<serde_json::Value, _>(path::RESET, &serde_json::json!({}))
            .await
            .map(drop)
    }

    /// `GET /_mock/clock`.
    pub async fn clock(&self) -> Result<Clock, ControlError> {
        self.get(path::CLOCK, &()).await
    }

    /// The mock's virtual now.
    pub async fn now(&self) -> Result<DateTime<Utc>, ControlError> {
        Ok(self.clock().await?.now)
    }

    /// Move the virtual clock by `seconds` (negative: back); returns the clock after the move.
    pub async fn advance_clock(&self, seconds: i64) -> Result<Clock, ControlError> {
        self.post(
            path::CLOCK,
            &ClockChange::Advance {
                advance_seconds: seconds,
            },
        )
        .await
    }

    /// Set the virtual clock to `at` (whole seconds); returns the clock after the move.
    pub async fn set_clock(&self, at: DateTime<Utc>) -> Result<Clock, ControlError> {
        let now = at.to_rfc3339_opts(SecondsFormat::Secs, true);
        self.post(path::CLOCK, &ClockChange::SetNow { now }).await
    }

    /// Every message matching `filter`, newest first.
    pub async fn outbox(&self, filter: &OutboxFilter) -> Result<Vec<Message>, ControlError> {
        Ok(self.get::<Outbox, _>(path::OUTBOX, filter).await?.messages)
    }

    /// The newest message matching `filter`.
    pub async fn latest_message(&self, filter: &OutboxFilter) -> Result<Message, ControlError> {
        let one = filter.clone().limit(1);
        self.outbox(&one)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| not_in_outbox("message", filter))
    }

    /// The code of the newest SMS sent to the phone number `to` (E.164).
    pub async fn latest_sms_code(&self, to: &str) -> Result<String, ControlError> {
        self.code_of(OutboxFilter::to(to).channel(Channel::Sms))
            .await
    }

    /// The code of the newest SMS sent to this member.
    pub async fn member_sms_code(&self, member_id: &str) -> Result<String, ControlError> {
        self.code_of(OutboxFilter::member(member_id).channel(Channel::Sms))
            .await
    }

    /// The code of the newest email OTP sent to `email`.
    pub async fn email_otp_code(&self, email: &str) -> Result<String, ControlError> {
        self.code_of(OutboxFilter::to(email).kind(MessageKind::EmailOtp))
            .await
    }

    /// The token of the newest magic link (login, signup or invite) sent to `email`.
    pub async fn magic_link_token(&self, email: &str) -> Result<String, ControlError> {
        let filter = OutboxFilter::to(email).channel(Channel::Email).limit(50);
        self.outbox(&filter)
            .await?
            .into_iter()
            .find(|m| {
                matches!(
                    m.kind,
                    MessageKind::MagicLinkLogin
                        | MessageKind::MagicLinkSignup
                        | MessageKind::MagicLinkInvite
                )
            })
            .and_then(|m| m.token)
            .ok_or_else(|| not_in_outbox("magic link token", &filter))
    }

    /// The token of the newest email of `kind` sent to `email` (e.g. a password reset).
    pub async fn email_token(
        &self,
        email: &str,
        kind: MessageKind,
    ) -> Result<String, ControlError> {
        self.token_of(OutboxFilter::to(email).kind(kind)).await
    }

    /// The token of the newest email of `kind` sent to this member.
    pub async fn member_token(
        &self,
        member_id: &str,
        kind: MessageKind,
    ) -> Result<String, ControlError> {
        self.token_of(OutboxFilter::member(member_id).kind(kind))
            .await
    }

    async fn code_of(&self, filter: OutboxFilter) -> Result<String, ControlError> {
        self.latest_message(&filter)
            .await?
            .code
            .ok_or_else(|| not_in_outbox("code", &filter))
    }

    async fn token_of(&self, filter: OutboxFilter) -> Result<String, ControlError> {
        self.latest_message(&filter)
            .await?
            .token
            .ok_or_else(|| not_in_outbox("token", &filter))
    }

    /// The member's current TOTP code on the virtual clock (pending registrations included).
    pub async fn totp(
        &self,
        organization_id: &str,
        member_id: &str,
    ) -> Result<TotpCode, ControlError> {
        let q = MemberQuery {
            organization_id,
            member_id,
        };
        self.get(path::TOTP_CODE, &q).await
    }

    /// The six digits an authenticator app would show for this member now (virtual clock).
    pub async fn totp_code(
        &self,
        organization_id: &str,
        member_id: &str,
    ) -> Result<String, ControlError> {
        Ok(self.totp(organization_id, member_id).await?.code)
    }

    /// A single-use `sso_token` from the organization's default SAML connection, as if the
    /// member had come back from the IdP.
    pub async fn sso_token(
        &self,
        organization_id: &str,
        email: &str,
    ) -> Result<String, ControlError> {
        Ok(self
            .sso_token_via(organization_id, email, None)
            .await?
            .token)
    }

    /// A single-use `sso_token` from `connection_id` (`saml-connection-…` or
    /// `oidc-connection-…`), or the default connection when `None`.
    pub async fn sso_token_via(
        &self,
        organization_id: &str,
        email: &str,
        connection_id: Option<&str>,
    ) -> Result<SsoToken, ControlError> {
        let body = SsoTokenRequest {
            organization_id,
            email_address: email,
            connection_id,
        };
        self.post(path::SSO_TOKEN, &body).await
    }

    /// A single-use `oauth_token` as if `provider` had answered for `email`.
    pub async fn oauth_token(
        &self,
        organization_id: &str,
        email: &str,
        provider: OauthProvider,
    ) -> Result<String, ControlError> {
        let body = OauthTokenRequest {
            organization_id,
            email_address: email,
            provider,
        };
        Ok(self
            .post::<TokenAnswer, _>(path::OAUTH_TOKEN, &body)
            .await?
            .token)
    }

    /// The newest `limit` entries of the request log, newest first (bodies redacted).
    pub async fn requests(&self, limit: usize) -> Result<Vec<LoggedRequest>, ControlError> {
        let log: RequestLog = self.get(path::REQUESTS, &Limit { limit }).await?;
        Ok(log.requests)
    }
}

fn not_in_outbox(wanted: &'static str, filter: &OutboxFilter) -> ControlError {
    ControlError::NotInOutbox {
        wanted,
        filter: filter.query_string(),
    }
}
