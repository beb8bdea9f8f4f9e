//! The rules in memory, in the order they were added, and the one decision per request.
//!
//! [`Faults::decide`] checks the rules in order: the first rule that matches the request
//! (method, path, body fields), is not used up, and fires (its `probability` draw) is the hit.
//! Each matching request of a rule with a `probability` takes exactly one draw from that rule's
//! own ChaCha8 generator, seeded with `SHA-256(instance seed ‖ "fault" ‖ rule id)`: the same
//! seed and the same request sequence give the same hits, and no other generator moves. Must
//! never read the clock or the id generator's counter.

use std::sync::Mutex;

use axum::http::Method;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use serde::Serialize;
use serde_json::Value;

use super::{Checked, FaultAction, NewRule};
use crate::error::ApiError;
use crate::ids::Ids;

#[derive(Debug, Default)]
pub struct Faults {
    inner: Mutex<Store>,
}

#[derive(Debug, Default)]
struct Store {
    next_id: u64,
    rules: Vec<Rule>,
}

#[derive(Debug)]
struct Rule {
    id: String,
    checked: Checked,
    rng: ChaCha8Rng,
    hits: u64,
}

/// A rule as `GET /_mock/faults` shows it: its spec plus `id`, `hits` and `remaining`.
#[derive(Debug, Clone, Serialize)]
pub struct RuleView {
    pub id: String,
    #[serde(flatten)]
    pub spec: NewRule,
    pub hits: u64,
    /// Hits left before the rule stops firing; `null` without `times`.
    pub remaining: Option<u64>,
}

/// A request the rules decided to fault.
#[derive(Debug, Clone)]
pub struct Hit {
    pub rule_id: String,
    pub action: FaultAction,
    /// For an `error` action, the error to answer.
    pub error: Option<ApiError>,
}

impl Rule {
    fn view(&self) -> RuleView {
        RuleView {
            id: self.id.clone(),
            spec: self.checked.spec.clone(),
            hits: self.hits,
            remaining: self.checked.spec.times.map(|t| t.saturating_sub(self.hits)),
        }
    }

    fn used_up(&self) -> bool {
        self.checked.spec.times.is_some_and(|t| self.hits >= t)
    }

    fn matches(&self, method: &Method, path: &str, body: &mut LazyBody<'_>) -> bool {
        let c = &self.checked;
        if c.method.as_ref().is_some_and(|m| m != method) || !c.pattern.matches(path) {
            return false;
        }
        if c.spec.body.is_empty() {
            return true;
        }
        let Some(Value::Object(fields)) = body.get() else {
            return false;
        };
        c.spec
            .body
            .iter()
            .all(|(k, want)| fields.get(k).and_then(Value::as_str) == Some(want.as_str()))
    }

    /// One draw for a matching request: does it fire?
    fn fires(&mut self) -> bool {
        match self.checked.spec.probability {
            None => true,
            Some(p) => {
                // 53 random bits as a uniform value in [0, 1).
                let x = (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                x < p
            }
        }
    }
}

/// The request body, parsed only when a rule with body fields gets that far.
struct LazyBody<'a> {
    raw: &'a [u8],
    parsed: Option<Option<Value>>,
}

impl LazyBody<'_> {
    fn get(&mut self) -> Option<&Value> {
        let raw = self.raw;
        self.parsed
            .get_or_insert_with(|| serde_json::from_slice(raw).ok())
            .as_ref()
    }
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether any rule exists (the middleware's fast path).
    pub fn is_empty(&self) -> bool {
        self.lock().rules.is_empty()
    }

    /// Add a checked rule; its id is `fault-N`.
    pub fn add(&self, checked: Checked, ids: &Ids) -> RuleView {
        let mut store = self.lock();
        store.next_id += 1;
        let id = format!("fault-{}", store.next_id);
        let rng = ChaCha8Rng::from_seed(ids.derive("fault", id.as_bytes()));
        let rule = Rule {
            id,
            checked,
            rng,
            hits: 0,
        };
        let view = rule.view();
        store.rules.push(rule);
        view
    }

    pub fn list(&self) -> Vec<RuleView> {
        self.lock().rules.iter().map(Rule::view).collect()
    }

    /// Remove one rule; false when there was none with that id.
    pub fn remove(&self, id: &str) -> bool {
        let mut store = self.lock();
        let before = store.rules.len();
        store.rules.retain(|r| r.id != id);
        store.rules.len() != before
    }

    /// Remove every rule; the ids start again at `fault-1` (as after a restart).
    pub fn clear(&self) -> usize {
        let mut store = self.lock();
        let n = store.rules.len();
        *store = Store::default();
        n
    }

    /// The hit for this request, if a rule fires (counted before this returns).
    pub fn decide(&self, method: &Method, path: &str, body: &[u8]) -> Option<Hit> {
        let mut store = self.lock();
        let mut lazy = LazyBody {
            raw: body,
            parsed: None,
        };
        for rule in store.rules.iter_mut() {
            if rule.used_up() || !rule.matches(method, path, &mut lazy) || !rule.fires() {
                continue;
            }
            rule.hits += 1;
            return Some(Hit {
                rule_id: rule.id.clone(),
                action: rule.checked.spec.action.clone(),
                error: rule.checked.error.clone(),
            });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(v: Value) -> Checked {
        serde_json::from_value::<NewRule>(v)
            .unwrap()
            .check()
            .unwrap()
    }

    fn pattern(faults: &Faults, n: usize) -> Vec<bool> {
        (0..n)
            .map(|_| faults.decide(&Method::GET, "/v1/x", b"").is_some())
            .collect()
    }

    #[test]
    fn probability_replays_per_seed_and_rule_id() {
        let spec = json!({"path": "/v1/x", "action": {"kind": "drop"}, "probability": 0.5});
        let run = |seed| {
            let (faults, ids) = (Faults::default(), Ids::new(seed, 1, 0));
            faults.add(rule(spec.clone()), &ids);
            (pattern(&faults, 40), ids.counter())
        };
        let (a, counter) = run(7);
        assert_eq!(a, run(7).0);
        assert_ne!(a, run(8).0);
        assert!(a.iter().any(|h| *h) && a.iter().any(|h| !*h), "{a:?}");
        assert_eq!(counter, 0, "the id generator did not move");
    }

    #[test]
    fn times_caps_hits_and_later_rules_see_the_rest() {
        let (faults, ids) = (Faults::default(), Ids::new(1, 1, 0));
        faults.add(
            rule(json!({"path": "/v1/x", "action": {"kind": "drop"}, "times": 2})),
            &ids,
        );
        faults.add(
            rule(json!({"path": "/v1/*", "action": {"kind": "too_many_requests"}})),
            &ids,
        );
        let ids_hit: Vec<String> = (0..4)
            .map(|_| faults.decide(&Method::GET, "/v1/x", b"").unwrap().rule_id)
            .collect();
        assert_eq!(ids_hit, ["fault-1", "fault-1", "fault-2", "fault-2"]);
        let views = faults.list();
        assert_eq!((views[0].hits, views[0].remaining), (2, Some(0)));
        assert_eq!((views[1].hits, views[1].remaining), (2, None));
    }

    #[test]
    fn body_fields_and_method_must_all_match() {
        let (faults, ids) = (Faults::default(), Ids::new(1, 1, 0));
        faults.add(
            rule(
                json!({"method": "post", "path": "/v1/x", "body": {"member_id": "m-1"},
                        "action": {"kind": "drop"}}),
            ),
            &ids,
        );
        let post = |body: &[u8]| faults.decide(&Method::POST, "/v1/x", body).is_some();
        assert!(post(br#"{"member_id": "m-1", "other": 1}"#));
        assert!(!post(br#"{"member_id": "m-2"}"#));
        assert!(!post(br#"{"member_id": 1}"#));
        assert!(!post(b"not json"));
        assert!(
            faults
                .decide(&Method::GET, "/v1/x", br#"{"member_id": "m-1"}"#)
                .is_none()
        );
    }
}
