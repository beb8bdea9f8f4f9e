//! Reading a running mock's request log (through [`mock_control`]) and looking up, through the
//! API, every organization and member it names but did not create. Read-only: it must never
//! change the mock's state, and it only ever sees redacted bodies.

use std::collections::HashSet;

use mock_control::MockControl;
use serde_json::Value;

use super::{Directory, LoggedRequest, MemberInfo, OrgInfo, s};

/// Read the request log of a running mock and look up every organization and member it names.
pub async fn fetch(
    base_url: &str,
    project_id: &str,
    secret: &str,
    limit: usize,
) -> Result<(Vec<LoggedRequest>, Directory), String> {
    let base = base_url.trim_end_matches('/');
    let http = reqwest::Client::new();
    let get = |path: String| {
        let req = http
            .get(format!("{base}{path}"))
            .basic_auth(project_id, Some(secret));
        async move {
            let resp = req.send().await.map_err(|e| format!("{path}: {e}"))?;
            let status = resp.status();
            let body: Value = resp.json().await.map_err(|e| format!("{path}: {e}"))?;
            if status.is_success() {
                Ok(body)
            } else {
                Err(format!("{path}: {status}: {body}"))
            }
        }
    };
    let entries: Vec<LoggedRequest> = MockControl::new(base, project_id, secret)
        .requests(limit)
        .await
        .map_err(|e| e.to_string())?;

    let mut org_ids = HashSet::new();
    let mut member_ids = HashSet::new();
    let mut emails = HashSet::new();
    for e in &entries {
        let segs: Vec<&str> = e
            .path
            .split('?')
            .next()
            .unwrap_or_default()
            .split('/')
            .collect();
        let org_in_path = (segs.len() >= 5
            && segs[..4] == ["", "v1", "b2b", "organizations"]
            && segs[4].starts_with("organization-"))
        .then(|| segs[4]);
        if let Some(o) = s(&e.body, "organization_id").or(org_in_path) {
            org_ids.insert(o.to_owned());
            if let Some(m) = s(&e.body, "email_address") {
                emails.insert((o.to_owned(), m.to_owned()));
            }
        }
        if let Some(m) = s(&e.body, "member_id") {
            member_ids.insert(m.to_owned());
        }
    }
    let mut dir = Directory::default();
    for (org, email) in &emails {
        let q = format!(
            "/v1/b2b/organizations/{org}/member?email_address={}",
            urlencode(email)
        );
        if let Ok(v) = get(q).await
            && let Some(id) = v["member"]["member_id"].as_str()
        {
            member_ids.insert(id.to_owned());
            dir.by_email
                .insert((org.clone(), email.clone()), id.to_owned());
        }
    }
    for id in member_ids {
        if let Ok(v) = get(format!(
            "/v1/b2b/organizations/members/dangerously_get/{id}"
        ))
        .await
        {
            let m = &v["member"];
            let org = m["organization_id"].as_str().unwrap_or_default().to_owned();
            org_ids.insert(org.clone());
            let email = m["email_address"].as_str().unwrap_or_default().to_owned();
            dir.by_email
                .insert((org.clone(), email.clone()), id.clone());
            dir.members.insert(
                id,
                MemberInfo {
                    organization_id: org,
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
                },
            );
        }
    }
    for id in org_ids {
        if let Ok(v) = get(format!("/v1/b2b/organizations/{id}")).await {
            let o = v["organization"].clone();
            let slug = o["organization_slug"].as_str().unwrap_or("org").to_owned();
            dir.orgs.insert(id, OrgInfo { slug, settings: o });
        }
    }
    Ok((entries, dir))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
