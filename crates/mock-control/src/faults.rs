//! Fault injection through the control API (`/_mock/faults`): the rule shape the mock takes,
//! the rule list it answers, and the [`MockControl`] methods that add, list and remove rules.
//!
//! A rule says which requests (method, path or pattern, top-level body fields), what happens
//! (a catalog error, `429 too_many_requests`, a delay, no answer, or the write committed and the
//! answer lost) and how often (`times`, `probability` drawn from the mock's seed). The mock
//! checks every rule and refuses a bad one with 400; this client adds no checks of its own, so
//! a test sees exactly what the mock decided. Nothing here exists on real Stytch.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::{Deserialize, Serialize};

use crate::client::MockControl;
use crate::error::ControlError;
use crate::wire::path;

/// The HTTP method a rule matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum FaultMethod {
    Get,
    Post,
    Put,
    Delete,
    Patch,
}

/// What a hit does (`kind` on the wire).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultAction {
    /// A Stytch error from the mock's catalog (its real status and message, unless overridden).
    Error {
        error_type: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_message: Option<String>,
    },
    /// `429 too_many_requests`.
    TooManyRequests,
    /// Wait `ms` milliseconds, then answer normally.
    Delay { ms: u64 },
    /// Close the connection without an answer; nothing is written.
    Drop,
    /// The write is committed, then the connection is closed without an answer.
    LoseAnswer,
}

/// The body of `POST /_mock/faults` (also a scenario's `fault:` step).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<FaultMethod>,
    /// Exact, or a pattern: a `*` segment matches one segment, a final `**` any rest.
    pub path: String,
    /// Top-level JSON body fields that must equal these strings.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub body: BTreeMap<String, String>,
    pub action: FaultAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
}

impl FaultRule {
    /// A rule for every request to `path` (any method, always, no limit).
    pub fn new(path: &str, action: FaultAction) -> FaultRule {
        FaultRule {
            method: None,
            path: path.to_owned(),
            body: BTreeMap::new(),
            action,
            times: None,
            probability: None,
        }
    }
}

/// A rule as the mock lists it.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct Fault {
    /// `fault-N`.
    pub id: String,
    #[serde(flatten)]
    pub rule: FaultRule,
    pub hits: u64,
    /// Hits left; `None` without `times`.
    pub remaining: Option<u64>,
}

/// Which kind of fault hit a logged request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    Error,
    TooManyRequests,
    Delay,
    Drop,
    LoseAnswer,
}

/// The mark a faulted request carries in `GET /_mock/requests`.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct FaultHit {
    /// The rule's id.
    pub rule: String,
    pub kind: FaultKind,
}

#[derive(Deserialize)]
struct Added {
    fault: Fault,
}

#[derive(Deserialize)]
struct Listed {
    faults: Vec<Fault>,
}

#[derive(Deserialize)]
struct Removed {
    removed: usize,
}

impl MockControl {
    /// `POST /_mock/faults`: the rule as added, with its id.
    pub async fn add_fault(&self, rule: &FaultRule) -> Result<Fault, ControlError> {
        let added: Added = self.post(path::FAULTS, rule).await?;
        Ok(added.fault)
    }

    /// `GET /_mock/faults`: every rule in the order the mock checks them, with hit counts.
    pub async fn faults(&self) -> Result<Vec<Fault>, ControlError> {
        let listed: Listed = self.get(path::FAULTS, &()).await?;
        Ok(listed.faults)
    }

    /// `DELETE /_mock/faults/{id}`; an unknown id is the mock's 404 `fault_not_found`.
    pub async fn remove_fault(&self, id: &str) -> Result<(), ControlError> {
        let route = format!("{}/{id}", path::FAULTS);
        let _: Removed = self
            .send(&route, self.request(Method::DELETE, &route))
            .await?;
        Ok(())
    }

    /// `DELETE /_mock/faults`: remove every rule; returns how many there were.
    pub async fn clear_faults(&self) -> Result<usize, ControlError> {
        let removed: Removed = self
            .send(path::FAULTS, self.request(Method::DELETE, path::FAULTS))
            .await?;
        Ok(removed.removed)
    }
}
