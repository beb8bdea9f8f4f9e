//! `stytch-mfa record`: turn the mock's request log of a manual session (say, one clicked through
//! in the example app) into a scenario file that replays it.
//!
//! The log (`GET /_mock/requests`) holds method, path, status and the body with every secret
//! redacted, so a recording never contains a code, token or password: a right code becomes
//! `from_outbox` / `totp_now` / `from_enrollment`, a refused one `wrong`, and a password login
//! uses a password the recording makes up for that member. The log does not say which engine
//! action made a request, so [`Recorder`] follows the login the way the engine does (enroll or
//! challenge, the challenge's method, signed in) from what it knows of each member. It assumes one
//! person signs in at a time; requests it cannot map are kept as `# not recorded:` comments,
//! never guessed into steps. Organizations and members that existed before the log window are
//! declared from their current state, with a comment saying what a replay cannot reproduce.
//! Must never print a secret: it only ever sees redacted bodies.
//!
//! The same recorder reads a HAR file of a backend's calls to Stytch (`har`): its bodies are
//! redacted with the mock's own allow-list first, so both sources look alike.
//!
//! Files: `log` reads the request log and looks up the ids it names; `declare` turns
//! organizations and members into scenario declarations with aliases; `infer` maps each logged
//! request to the engine action that made it; `write` prints the scenario file.

mod declare;
mod har;
mod infer;
mod log;
mod write;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::Value;

pub use har::read_har;
pub use log::fetch;

/// One entry of the mock's request log (method, path, status, redacted body).
pub use mock_control::LoggedRequest;

/// What the recorder knows of an organization that was not created inside the log window.
#[derive(Clone, Debug, Default)]
pub struct OrgInfo {
    pub slug: String,
    pub settings: Value,
}

/// What the recorder knows of a member that was not created inside the log window.
#[derive(Clone, Debug, Default)]
pub struct MemberInfo {
    pub organization_id: String,
    pub email: String,
    pub mfa_enrolled: bool,
    pub phone_verified: bool,
    pub totp: bool,
    pub default_method: Option<String>,
}

/// Lookups for ids the log mentions but did not create (filled from the API by [`fetch`]).
#[derive(Clone, Debug, Default)]
pub struct Directory {
    pub orgs: HashMap<String, OrgInfo>,
    pub members: HashMap<String, MemberInfo>,
    /// (organization_id, email) → member_id.
    pub by_email: HashMap<(String, String), String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Factor {
    Sms,
    Totp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FlowState {
    None,
    Enroll,
    Challenge(Factor),
    SignedIn,
}

#[derive(Default)]
struct Member {
    alias: String,
    org_alias: String,
    email: String,
    mfa_enrolled: bool,
    phone_verified: bool,
    totp: bool,
    default: Option<Factor>,
    password_used: bool,
    declared_phone: Option<String>,
    note: Option<String>,
}

struct Org {
    alias: String,
    required: bool,
    decl: serde_json::Map<String, Value>,
    note: Option<String>,
}

/// Builds the scenario while walking the log oldest first.
pub struct Recorder<'a> {
    dir: &'a Directory,
    orgs: BTreeMap<String, Org>,
    org_order: Vec<String>,
    members: HashMap<String, Member>,
    member_order: Vec<String>,
    aliases: HashSet<String>,
    steps: Vec<String>,
    state: FlowState,
    current: Option<String>,
    pending_magic_link: Option<String>,
}

const PASSWORD: &str = "recorded-Passw0rd-2030!";
const WRONG_PASSWORD: &str = "recorded-wrong-Passw0rd";

fn s<'v>(body: &'v Value, key: &str) -> Option<&'v str> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|v| *v != "[redacted]")
}

/// Turn a log (newest first, as `/_mock/requests` returns it) into a scenario file.
pub fn scenario_from_log(newest_first: &[LoggedRequest], dir: &Directory, name: &str) -> String {
    let mut rec = Recorder::new(dir);
    for r in newest_first.iter().rev() {
        rec.push(r);
    }
    rec.finish(name)
}
