// FlowState is sealed: no other crate can invent a state.
use mfa_engine::{FlowState, StateKind};

struct Skipped;

impl FlowState for Skipped {
    const KIND: StateKind = StateKind::MemberSession;
}

fn main() {}
