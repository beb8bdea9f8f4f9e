// Breaks if: `MemberSession`'s field were public — `pub(crate) session` → `pub session` in
// src/flow/session.rs would make this compile.
// Rule: no one outside the engine builds a signed-in state; it comes only from a proof.
use mfa_engine::MemberSession;
use mfa_engine::flow::SessionCredential;

// Any credential a caller holds (only the privacy error matters).
fn forge(session: SessionCredential) -> MemberSession {
    MemberSession { session }
}

fn main() {
    let _ = forge;
}
