//! Reading a HAR 1.2 file of a backend's calls to Stytch (captured against the real service or
//! the mock, e.g. by a browser's or a proxy's "save as HAR") into the same shape as the mock's
//! request log, so the recorder treats both alike.
//!
//! A HAR holds everything in clear: codes, tokens, passwords, session tokens. Each request body
//! goes through the mock's own allow-list redaction (`mock_stytch::redact::body_for_log`, the
//! one the request log uses) before the recorder sees it, and from the responses only the
//! organization and member fields the directory holds are kept (ids, emails, policy, which
//! factors exist) — so, as with the log, a right code replays as `from_outbox` / `totp_now`.
//! Calls to the mock's control API (`/_mock/…`) are not a backend's calls and are skipped.
//! Must never pass an unredacted body or a response secret on.

use std::collections::hash_map::Entry as Slot;

use base64::Engine;
use serde::Deserialize;
use serde_json::Value;

use super::{Directory, LoggedRequest, MemberInfo, OrgInfo};

#[derive(Deserialize)]
struct Har {
    log: HarLog,
}

#[derive(Deserialize)]
struct HarLog {
    entries: Vec<HarEntry>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HarEntry {
    #[serde(default)]
    started_date_time: String,
    request: HarRequest,
    response: HarResponse,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct HarRequest {
    method: String,
    url: String,
    #[serde(default)]
    post_data: Option<HarText>,
}

#[derive(Deserialize)]
struct HarText {
    #[serde(default)]
    text: Option<String>,
    #[serde(default)]
    encoding: Option<String>,
}

#[derive(Deserialize)]
struct HarResponse {
    status: u16,
    #[serde(default)]
    content: Option<HarText>,
}

impl HarText {
    fn bytes(&self) -> Option<Vec<u8>> {
        let text = self.text.as_deref()?;
        if self.encoding.as_deref() == Some("base64") {
            base64::engine::general_purpose::STANDARD.decode(text).ok()
        } else {
            Some(text.as_bytes().to_vec())
        }
    }
}

/// The path of a URL, without scheme, host and query (the request log's form).
fn path_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let path = rest.find('/').map_or("/", |i| &rest[i..]);
    path.split(['?', '#']).next().unwrap_or(path)
}

/// Parse a HAR file: the Stytch API calls, newest first (as `/_mock/requests` returns them),
/// and the directory of organizations and members their responses describe.
pub fn read_har(text: &str) -> Result<(Vec<LoggedRequest>, Directory), String> {
    let har: Har = serde_json::from_str(text).map_err(|e| format!("not a HAR 1.2 file: {e}"))?;
    let mut entries = har.log.entries;
    // HAR orders entries by start time; sort anyway, stably, for hand-merged files.
    entries.sort_by(|a, b| a.started_date_time.cmp(&b.started_date_time));
    let mut log = Vec::new();
    let mut dir = Directory::default();
    for e in &entries {
        let path = path_of(&e.request.url);
        if !path.starts_with("/v1/") {
            continue;
        }
        let body = e
            .request
            .post_data
            .as_ref()
            .and_then(HarText::bytes)
            .and_then(|b| mock_stytch::redact::body_for_log(&b))
            .unwrap_or(Value::Null);
        log.push(LoggedRequest {
            method: e.request.method.to_uppercase(),
            path: path.to_owned(),
            status: e.response.status,
            body,
            request_id: String::new(),
            received_at: String::new(),
            duration_us: 0,
            fault: None,
        });
        if let Some(v) = e
            .response
            .content
            .as_ref()
            .and_then(HarText::bytes)
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        {
            learn(&mut dir, &v);
        }
    }
    log.reverse();
    Ok((log, dir))
}

/// Keep what a response says about its organization and member, first sighting wins (the
/// state closest to before the session).
fn learn(dir: &mut Directory, v: &Value) {
    let o = &v["organization"];
    if let Some(id) = o["organization_id"].as_str()
        && let Slot::Vacant(slot) = dir.orgs.entry(id.to_owned())
    {
        let settings: serde_json::Map<String, Value> = [
            "mfa_policy",
            "mfa_methods",
            "allowed_mfa_methods",
            "auth_methods",
            "allowed_auth_methods",
        ]
        .into_iter()
        .filter_map(|k| o.get(k).map(|x| (k.to_owned(), x.clone())))
        .collect();
        slot.insert(OrgInfo {
            slug: o["organization_slug"].as_str().unwrap_or("org").to_owned(),
            settings: Value::Object(settings),
        });
    }
    let m = &v["member"];
    if let (Some(id), Some(org)) = (m["member_id"].as_str(), m["organization_id"].as_str())
        && let Slot::Vacant(slot) = dir.members.entry(id.to_owned())
    {
        let email = m["email_address"].as_str().unwrap_or_default().to_owned();
        dir.by_email
            .insert((org.to_owned(), email.clone()), id.to_owned());
        slot.insert(MemberInfo {
            organization_id: org.to_owned(),
            email,
            mfa_enrolled: m["mfa_enrolled"].as_bool().unwrap_or(false),
            phone_verified: m["mfa_phone_number_verified"].as_bool().unwrap_or(false),
            totp: m["totp_registration_id"]
                .as_str()
                .is_some_and(|t| !t.is_empty()),
            default_method: m["default_mfa_method"]
                .as_str()
                .filter(|d| !d.is_empty())
                .map(str::to_owned),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_har_body_is_redacted_and_control_calls_are_skipped() {
        let har = r#"{"log":{"version":"1.2","entries":[
          {"startedDateTime":"2026-12-01T10:00:01Z",
           "request":{"method":"POST","url":"https://test.stytch.com/v1/b2b/otps/sms/authenticate?x=1",
             "postData":{"mimeType":"application/json","text":"{\"code\":\"424242\",\"member_id\":\"member-1\"}"}},
           "response":{"status":200,"content":{"mimeType":"application/json","text":"{\"session_token\":\"tok-secret\"}"}}},
          {"startedDateTime":"2026-12-01T10:00:00Z",
           "request":{"method":"GET","url":"http://127.0.0.1:9010/_mock/requests"},
           "response":{"status":200,"content":{"text":"{}"}}}
        ]}}"#;
        let (log, _) = read_har(har).expect("parses");
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].path, "/v1/b2b/otps/sms/authenticate");
        assert_eq!(log[0].body["code"], "[redacted]");
        assert_eq!(log[0].body["member_id"], "member-1");
        assert!(!format!("{log:?}").contains("424242"));
    }
}
