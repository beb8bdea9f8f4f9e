//! Which cases a target without the control API (a real Stytch project) cannot run, and why —
//! decided from the file and the matrix case alone, before any request, so it is testable
//! offline. A matrix case is judged by the steps it reaches (an `only_if_model` guard ends it
//! early for some combinations); its member's factors and password are set with API calls
//! that need no control API (`shape`). Must never call a case runnable that needs the mock.

use crate::scenario::predict::reach;
use crate::scenario::{Case, Loaded, Scenario};

/// Why this case cannot run without the mock's control API, if it cannot.
pub fn not_runnable(loaded: &Loaded) -> Option<String> {
    blocked(&loaded.scenario, loaded.case.as_ref())
}

pub(super) fn blocked(s: &Scenario, case: Option<&Case>) -> Option<String> {
    let (end, _) = reach(s, case.map(|c| &c.combination));
    let mut blocked: Vec<String> = s.steps[..end]
        .iter()
        .enumerate()
        .filter(|(_, st)| st.needs_control_api(case))
        .map(|(i, st)| format!("step {} ({})", i + 1, st.label()))
        .collect();
    if s.members.values().any(|m| m.password.is_some()) {
        blocked.push("member passwords (set through the reset email)".into());
    }
    (!blocked.is_empty()).then(|| format!("needs the mock control API: {}", blocked.join(", ")))
}
