//! The control API's request and answer shapes, as this client reads and writes them: typed
//! (enums for channel, message kind, registration status, OAuth provider) so callers decide on
//! variants, not strings.
//!
//! These structs are this crate's own and must never be shared with the mock: a shape mistake
//! must not be able to hide on both sides of a test.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The control routes, each spelled once. Raw requests (a benchmark's hot path, the app's
/// dashboard proxy) build their paths from these.
pub mod path {
    pub const HEALTH: &str = "/_mock/health";
    pub const RESET: &str = "/_mock/reset";
    pub const CLOCK: &str = "/_mock/clock";
    pub const OUTBOX: &str = "/_mock/outbox";
    pub const REQUESTS: &str = "/_mock/requests";
    pub const TOTP_CODE: &str = "/_mock/totp/code";
    pub const SSO_TOKEN: &str = "/_mock/sso/token";
    pub const OAUTH_TOKEN: &str = "/_mock/oauth/token";
    /// Fault rules; `/_mock/faults/{id}` is one of them.
    pub const FAULTS: &str = "/_mock/faults";
    pub const SNAPSHOT: &str = "/_mock/snapshot";
    pub const RESTORE: &str = "/_mock/restore";
    pub const FIXTURES: &str = "/_mock/fixtures";
    /// The dashboard (HTML) and its form routes below it.
    pub const UI: &str = "/_mock/ui";
}

/// `GET /_mock/health`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Health {
    pub ok: bool,
    pub now: DateTime<Utc>,
}

/// `GET|POST /_mock/clock`: the virtual now.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Clock {
    pub now: DateTime<Utc>,
    /// Seconds the virtual clock is ahead of the real (or frozen) one.
    pub offset_seconds: i64,
    /// Started with `--frozen-clock`: time moves only when told to.
    pub frozen: bool,
}

/// The body of `POST /_mock/clock`: exactly one of the two.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum ClockChange {
    Advance { advance_seconds: i64 },
    SetNow { now: String },
}

/// How a message was "delivered".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Email,
    Sms,
}

/// What a message carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    MagicLinkLogin,
    MagicLinkSignup,
    MagicLinkInvite,
    PasswordReset,
    EmailOtp,
    SmsOtp,
    /// A kind this client does not know yet (never useful as a filter).
    #[serde(other)]
    Other,
}

/// One outbox message (`GET /_mock/outbox`).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Message {
    pub id: String,
    pub channel: Channel,
    /// Email address or E.164 phone number.
    pub to: String,
    pub organization_id: Option<String>,
    pub member_id: Option<String>,
    pub kind: MessageKind,
    /// Magic-link and password-reset emails.
    pub token: Option<String>,
    /// SMS and email OTP codes.
    pub code: Option<String>,
    pub sent_at: DateTime<Utc>,
}

#[derive(Deserialize)]
pub(crate) struct Outbox {
    pub messages: Vec<Message>,
}

/// Which outbox messages to list: every filter given must match. Build it with the methods,
/// e.g. `OutboxFilter::member(id).channel(Channel::Sms)`.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct OutboxFilter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<MessageKind>,
    /// At most this many, newest first (the mock's default is 1,000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
}

impl OutboxFilter {
    /// Messages sent to this address or number.
    pub fn to(recipient: impl Into<String>) -> Self {
        OutboxFilter {
            to: Some(recipient.into()),
            ..Default::default()
        }
    }

    /// Messages sent to this member.
    pub fn member(member_id: impl Into<String>) -> Self {
        OutboxFilter {
            member_id: Some(member_id.into()),
            ..Default::default()
        }
    }

    pub fn channel(mut self, channel: Channel) -> Self {
        self.channel = Some(channel);
        self
    }

    pub fn kind(mut self, kind: MessageKind) -> Self {
        self.kind = Some(kind);
        self
    }

    pub fn organization(mut self, organization_id: impl Into<String>) -> Self {
        self.organization_id = Some(organization_id.into());
        self
    }

    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// The URL query (`member_id=...&channel=sms&limit=1`), percent-encoded.
    pub fn query_string(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }
}

/// Status of the TOTP registration a code belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TotpStatus {
    /// Created, not authenticated yet.
    Pending,
    Active,
}

/// `GET /_mock/totp/code`: what an authenticator app shows now, on the virtual clock.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct TotpCode {
    pub code: String,
    pub seconds_remaining: i64,
    pub totp_registration_id: String,
    pub status: TotpStatus,
}

#[derive(Serialize)]
pub(crate) struct MemberQuery<'a> {
    pub organization_id: &'a str,
    pub member_id: &'a str,
}

/// The body of `POST /_mock/sso/token`.
#[derive(Serialize)]
pub(crate) struct SsoTokenRequest<'a> {
    pub organization_id: &'a str,
    pub email_address: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connection_id: Option<&'a str>,
}

/// `POST /_mock/sso/token`: a single-use `sso_token` for `/v1/b2b/sso/authenticate`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct SsoToken {
    pub token: String,
    /// `saml-connection-test-…` (the organization's default) or the OIDC connection asked for.
    pub connection_id: String,
}

/// The identity providers the mock's OAuth stand-in knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OauthProvider {
    Google,
    Microsoft,
    Hubspot,
    Slack,
    Github,
}

/// The body of `POST /_mock/oauth/token`.
#[derive(Serialize)]
pub(crate) struct OauthTokenRequest<'a> {
    pub organization_id: &'a str,
    pub email_address: &'a str,
    pub provider: OauthProvider,
}

#[derive(Deserialize)]
pub(crate) struct TokenAnswer {
    pub token: String,
}

/// One entry of `GET /_mock/requests`, newest first.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct LoggedRequest {
    pub method: String,
    /// Without the query string.
    pub path: String,
    pub status: u16,
    #[serde(default)]
    pub request_id: String,
    #[serde(default)]
    pub received_at: String,
    #[serde(default)]
    pub duration_us: u64,
    /// The JSON body with every value outside the mock's allow-list `"[redacted]"`; `null`
    /// without a body.
    #[serde(default)]
    pub body: Value,
    /// The fault rule that hit this request, if one did.
    #[serde(default)]
    pub fault: Option<crate::faults::FaultHit>,
}

#[derive(Deserialize)]
pub(crate) struct RequestLog {
    pub requests: Vec<LoggedRequest>,
}

#[derive(Serialize)]
pub(crate) struct Limit {
    pub limit: usize,
}
