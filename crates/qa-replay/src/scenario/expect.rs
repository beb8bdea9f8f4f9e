//! `expect:` — checks on the outcome of the previous step. Written either as a map of
//! hand-written expectations, or as the word `model` (the expected state, method, `sms_sent`
//! and error come from the reference model for the matrix case); a map may also say
//! `model: true` next to hand-written keys, and both are checked. Unknown keys are errors.

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

use super::{MemberExpect, Method, State};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Also check what the reference model predicts for this case (matrix scenarios).
    #[serde(default)]
    pub model: bool,
    #[serde(default)]
    pub state: Option<State>,
    #[serde(default)]
    pub member_authenticated: Option<bool>,
    /// The previous step failed with this error type (a Stytch `error_type`, or the engine's:
    /// `wrong_code`, `too_many_attempts`, `flow_expired`, `wrong_state`, ...).
    #[serde(default)]
    pub error: Option<String>,
    #[serde(default)]
    pub method: Option<Method>,
    #[serde(default)]
    pub sms_sent: Option<bool>,
    #[serde(default)]
    pub attempts_left: Option<u32>,
    #[serde(default)]
    pub member: Option<MemberExpect>,
}

impl Expect {
    /// Whether this expectation allows the previous step to have failed (an error may be what
    /// is expected: written out, or predicted by the model).
    pub fn may_follow_an_error(&self) -> bool {
        self.error.is_some() || self.model
    }
}

/// `Step::Expect`'s deserializer: the word `model`, or the map.
pub(super) fn de<'de, D: Deserializer<'de>>(d: D) -> Result<Expect, D::Error> {
    d.deserialize_any(ExpectVisitor)
}

struct ExpectVisitor;

impl<'de> Visitor<'de> for ExpectVisitor {
    type Value = Expect;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("`model` or a map of expectations")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Expect, E> {
        if v == "model" {
            Ok(Expect {
                model: true,
                ..Expect::default()
            })
        } else {
            Err(E::invalid_value(de::Unexpected::Str(v), &self))
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Expect, A::Error> {
        Expect::deserialize(de::value::MapAccessDeserializer::new(map))
    }
}
