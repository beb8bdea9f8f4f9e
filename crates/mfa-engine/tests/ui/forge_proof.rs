// Breaks if: `FactorVerified`'s fields were public — `pub` on its four fields (flow_id, session,
// session_expires_at, kind) in src/proof.rs would make this compile.
// Rule: a proof is made only by the code that checked Stytch's answer, never by a caller.
use std::marker::PhantomData;

use mfa_engine::flow::{FlowId, SessionCredential};
use mfa_engine::{FactorVerified, Sms};

// Any values a caller holds (only the privacy error matters).
fn forge(flow_id: FlowId, session: SessionCredential) -> FactorVerified<Sms> {
    FactorVerified {
        flow_id,
        session,
        session_expires_at: None,
        kind: PhantomData,
    }
}

fn main() {
    let _ = forge;
}
