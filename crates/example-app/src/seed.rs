//! Demo data for the embedded mock: the demo world is a mock-stytch fixture file
//! (`demo-fixtures.yaml`, compiled in) loaded through the control API in one request, so alice
//! is SMS-enrolled with a verified phone, bob TOTP-enrolled with a known secret, carol, dave and
//! erin not enrolled, and every member has [`DEMO_PASSWORD`]. This module adds only what the
//! sign-in page says about each alias.
//!
//! What was loaded is written to `demo.json`, so a restart reuses it instead of seeding
//! twice. Must never run against a real Stytch (it uses the mock's control API).

use std::path::Path;

use mock_control::{FixturesLoaded, MockControl};
use serde::{Deserialize, Serialize};

/// The demo world, in mock-stytch's fixture format.
pub const DEMO_FIXTURES: &str = include_str!("../demo-fixtures.yaml");

/// Every demo member signs in with this password (it passes Stytch's strength check).
pub const DEMO_PASSWORD: &str = "correct-horse-battery-staple-42";

/// The seeded organizations and members: shown on the sign-in page and printed at start.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DemoData {
    pub organizations: Vec<DemoOrg>,
    pub members: Vec<DemoMember>,
    pub password: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DemoOrg {
    pub organization_id: String,
    pub name: String,
    /// Human description of the MFA policy, e.g. "MFA required (SMS or TOTP)".
    pub policy: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DemoMember {
    pub email: String,
    pub organization_id: String,
    pub organization_name: String,
    /// What signing in as this member shows.
    pub story: String,
}

/// What the sign-in page says about each organization of the fixture file, by alias, in order.
const POLICIES: &[(&str, &str)] = &[
    ("acme", "MFA required for everyone (SMS or TOTP)"),
    ("globex", "MFA optional"),
    ("initech", "MFA required, TOTP only"),
];

/// What signing in as each member shows, by alias, in the order the page lists them.
const STORIES: &[(&str, &str)] = &[
    (
        "alice",
        "enrolled with SMS: the code is texted at sign-in (read it on the mock dashboard)",
    ),
    (
        "bob",
        "enrolled with TOTP: enter the code from the dashboard's TOTP column",
    ),
    (
        "carol",
        "not enrolled: must choose SMS or TOTP before getting in",
    ),
    (
        "dave",
        "not enrolled: goes straight home, can add a factor there",
    ),
    ("erin", "not enrolled: only TOTP is offered"),
];

/// Read `demo.json` if a previous run wrote it.
pub fn load(path: &Path) -> anyhow::Result<Option<DemoData>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Load the demo fixtures into the mock, then write `demo.json`.
pub async fn seed(control: &MockControl, path: &Path) -> anyhow::Result<DemoData> {
    let loaded = control.load_fixtures_yaml(DEMO_FIXTURES).await?;
    let data = demo_data(&loaded)?;
    std::fs::write(path, serde_json::to_vec_pretty(&data)?)?;
    Ok(data)
}

/// The sign-in page's view of what was loaded; an alias without a description is an error.
fn demo_data(loaded: &FixturesLoaded) -> anyhow::Result<DemoData> {
    let missing = |what: &str, alias: &str| {
        anyhow::anyhow!("demo-fixtures.yaml has no {what} `{alias}` that seed.rs describes")
    };
    let mut data = DemoData {
        password: DEMO_PASSWORD.to_owned(),
        ..DemoData::default()
    };
    for &(alias, policy) in POLICIES {
        let org = loaded
            .organizations
            .get(alias)
            .ok_or_else(|| missing("organization", alias))?;
        data.organizations.push(DemoOrg {
            organization_id: org.organization_id.clone(),
            name: org.organization_name.clone(),
            policy: policy.to_owned(),
        });
    }
    for &(alias, story) in STORIES {
        let member = loaded
            .members
            .get(alias)
            .ok_or_else(|| missing("member", alias))?;
        let organization_name = data
            .organizations
            .iter()
            .find(|o| o.organization_id == member.organization_id)
            .map(|o| o.name.clone())
            .ok_or_else(|| missing("policy description for the organization of", alias))?;
        data.members.push(DemoMember {
            email: member.email_address.clone(),
            organization_id: member.organization_id.clone(),
            organization_name,
            story: story.to_owned(),
        });
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file and the descriptions name the same aliases, and every member has the demo
    /// password (checked with the mock's own fixture parser).
    #[test]
    fn the_fixture_file_and_the_descriptions_agree() {
        let doc = mock_stytch::fixtures::parse(DEMO_FIXTURES).expect("the demo fixtures parse");
        let orgs: Vec<&str> = doc.organizations.iter().map(|(a, _)| a).collect();
        let members: Vec<&str> = doc.members.iter().map(|(a, _)| a).collect();
        assert_eq!(orgs, POLICIES.iter().map(|p| p.0).collect::<Vec<_>>());
        assert_eq!(members, STORIES.iter().map(|s| s.0).collect::<Vec<_>>());
        for (alias, m) in doc.members.iter() {
            assert_eq!(m.password.as_deref(), Some(DEMO_PASSWORD), "{alias}");
        }
    }
}
