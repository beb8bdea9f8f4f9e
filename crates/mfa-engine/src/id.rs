//! [`FlowId`]: the id of one login flow. Shared by proofs, typestates and the store, so it lives
//! apart from all three. Must never encode anything but randomness.

use std::fmt;

/// A flow's id: a random UUID, safe to put in a cookie or URL (it grants nothing alone).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlowId(uuid::Uuid);

impl FlowId {
    pub(crate) fn new() -> Self {
        FlowId(uuid::Uuid::new_v4())
    }

    pub fn parse(s: &str) -> Option<FlowId> {
        uuid::Uuid::parse_str(s).ok().map(FlowId)
    }
}

impl fmt::Display for FlowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}
