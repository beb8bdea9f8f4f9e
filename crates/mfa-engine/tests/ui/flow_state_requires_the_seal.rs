// Breaks if: `FlowState` lost its seal — deleting `sealed::Sealed + ` from
// `pub trait FlowState: sealed::Sealed + Sized + ...` in src/flow/mod.rs would make this compile.
// Rule: no other crate adds a login state (every item below is implemented; only the seal is missing).
use mfa_engine::flow::{SessionCredential, StateView};
use mfa_engine::{AnyLoginFlow, FlowState, LoginFlow, StateKind};

struct Skipped(SessionCredential);

impl FlowState for Skipped {
    const KIND: StateKind = StateKind::MemberSession;

    fn extract(any: AnyLoginFlow) -> Result<LoginFlow<Self>, AnyLoginFlow> {
        Err(any)
    }

    fn view(&self) -> StateView<'_> {
        StateView::Session { session: &self.0 }
    }
}

fn main() {}
