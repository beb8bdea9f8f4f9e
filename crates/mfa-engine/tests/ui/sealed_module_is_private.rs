// Breaks if: the seal were reachable — `pub(crate) mod sealed` → `pub mod sealed` in
// src/flow/mod.rs would make this compile.
// Rule: the marker that seals `FlowState` cannot be implemented outside the engine.
struct Skipped;

impl mfa_engine::flow::sealed::Sealed for Skipped {}

fn main() {}
