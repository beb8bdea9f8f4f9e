//! Demo data for the embedded mock, created through the normal API the way a real project
//! would get it: organizations and members through `stytch-client`, each member's password
//! through the password-reset email, and enrolled factors by actually enrolling through the
//! engine (codes read from the mock's outbox / TOTP control route).
//!
//! What was created is written to `demo.json`, so a restart reuses it instead of seeding
//! twice. Must never run against a real Stytch (it reads the mock's control API).

use std::path::Path;

use mfa_engine::store::AnyFlowStore;
use mfa_engine::{LoginStep, MfaService};
use mock_control::{MessageKind, MockControl};
use serde::{Deserialize, Serialize};
use stytch_client::api::members::MemberCreateRequest;
use stytch_client::api::organizations::OrganizationSettings;

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

/// How a seeded member ends up.
#[derive(Clone, Copy)]
enum Factor {
    None,
    Sms(&'static str),
    Totp,
}

struct OrgSpec {
    name: &'static str,
    slug: &'static str,
    mfa_policy: &'static str,
    totp_only: bool,
    policy: &'static str,
    members: &'static [(&'static str, Factor, &'static str)],
}

const ORGS: &[OrgSpec] = &[
    OrgSpec {
        name: "Acme Corp",
        slug: "acme",
        mfa_policy: "REQUIRED_FOR_ALL",
        totp_only: false,
        policy: "MFA required for everyone (SMS or TOTP)",
        members: &[
            (
                "alice@acme.example",
                Factor::Sms("+14155552671"),
                "enrolled with SMS: the code is texted at sign-in (read it on the mock dashboard)",
            ),
            (
                "bob@acme.example",
                Factor::Totp,
                "enrolled with TOTP: enter the code from the dashboard's TOTP column",
            ),
            (
                "carol@acme.example",
                Factor::None,
                "not enrolled: must choose SMS or TOTP before getting in",
            ),
        ],
    },
    OrgSpec {
        name: "Globex",
        slug: "globex",
        mfa_policy: "OPTIONAL",
        totp_only: false,
        policy: "MFA optional",
        members: &[(
            "dave@globex.example",
            Factor::None,
            "not enrolled: goes straight home, can add a factor there",
        )],
    },
    OrgSpec {
        name: "Initech",
        slug: "initech",
        mfa_policy: "REQUIRED_FOR_ALL",
        totp_only: true,
        policy: "MFA required, TOTP only",
        members: &[(
            "erin@initech.example",
            Factor::None,
            "not enrolled: only TOTP is offered",
        )],
    },
];

/// Read `demo.json` if a previous run wrote it.
pub fn load(path: &Path) -> anyhow::Result<Option<DemoData>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Create the demo organizations and members, then write `demo.json`.
pub async fn seed(
    mfa: &MfaService<AnyFlowStore>,
    control: &MockControl,
    path: &Path,
) -> anyhow::Result<DemoData> {
    let mut data = DemoData {
        password: DEMO_PASSWORD.to_owned(),
        ..DemoData::default()
    };
    for spec in ORGS {
        let settings = OrganizationSettings {
            organization_name: Some(spec.name.to_owned()),
            organization_slug: Some(spec.slug.to_owned()),
            mfa_policy: Some(spec.mfa_policy.to_owned()),
            mfa_methods: spec.totp_only.then(|| "RESTRICTED".to_owned()),
            allowed_mfa_methods: spec.totp_only.then(|| vec!["totp".to_owned()]),
            ..OrganizationSettings::default()
        };
        let org = mfa
            .stytch()
            .organizations_create(&settings)
            .await?
            .organization;
        for &(email, factor, story) in spec.members {
            seed_member(mfa, control, &org.organization_id, email, factor).await?;
            data.members.push(DemoMember {
                email: email.to_owned(),
                organization_id: org.organization_id.clone(),
                organization_name: spec.name.to_owned(),
                story: story.to_owned(),
            });
        }
        data.organizations.push(DemoOrg {
            organization_id: org.organization_id,
            name: spec.name.to_owned(),
            policy: spec.policy.to_owned(),
        });
    }
    std::fs::write(path, serde_json::to_vec_pretty(&data)?)?;
    Ok(data)
}

/// Create the member, give them the demo password (reset email), enroll `factor`, sign out.
async fn seed_member(
    mfa: &MfaService<AnyFlowStore>,
    control: &MockControl,
    org: &str,
    email: &str,
    factor: Factor,
) -> anyhow::Result<()> {
    let req = MemberCreateRequest {
        email_address: email.to_owned(),
        ..MemberCreateRequest::default()
    };
    let member = mfa.stytch().members_create(org, &req).await?.member_id;
    mfa.start_password_reset(org, email).await?;
    let token = control
        .email_token(email, MessageKind::PasswordReset)
        .await?;
    let step = mfa
        .login_with_password_reset(token.into(), DEMO_PASSWORD.to_owned().into())
        .await?;
    let flow_id = step.flow_id();
    match (factor, step) {
        (Factor::None, _) => {}
        (Factor::Sms(phone), LoginStep::Enroll(p)) => {
            mfa.enroll_sms(p.flow_id, phone).await?;
            let code = control.member_sms_code(&member).await?;
            mfa.confirm_enrollment(p.flow_id, code.into()).await?;
        }
        (Factor::Totp, LoginStep::Enroll(p)) => {
            // The secret is not kept: the dashboard shows the member's current code instead.
            mfa.enroll_totp(p.flow_id).await?;
            let code = control.totp_code(org, &member).await?;
            mfa.confirm_enrollment(p.flow_id, code.into()).await?;
        }
        (_, other) => anyhow::bail!("seeding {email}: expected enrollment, got {other:?}"),
    }
    mfa.logout(flow_id).await?;
    Ok(())
}
