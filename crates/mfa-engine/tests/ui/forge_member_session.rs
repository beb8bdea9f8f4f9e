// Breaks if: `MemberSession`'s field were public — `pub(crate) session` → `pub session` in
// src/flow/session.rs would make this compile.
// Rule: no one outside the engine builds a signed-in state; it comes only from a proof.
#![allow(unreachable_code)] // `todo!()` stands for any value; only the privacy error matters
fn main() {
    let _state = mfa_engine::MemberSession { session: todo!() };
}
