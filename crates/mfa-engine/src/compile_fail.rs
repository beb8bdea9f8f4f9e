//! The rules the compiler enforces, as `compile_fail` doctests: each illegal use below must fail
//! to compile, and its legal counterpart right after it, which differs only in the illegal part,
//! must compile, so a case cannot pass for an unrelated reason (a typo, a renamed item). The
//! comment on each names the error rustc gives (stable rustdoc does not check error codes).
//! Run by `cargo test` (this crate's doctests). Exists only under `cfg(doctest)`; holds no code.
//!
//! **Completing from the wrong state.** `complete` exists only on `LoginFlow<ChallengePending>`:
//! an enrollment is confirmed, not completed, and a flow that just finished primary auth must be
//! routed first. (E0599: no method `complete`.)
//! ```compile_fail
//! use mfa_engine::{FactorVerified, LoginFlow, PrimaryAuthed};
//! fn finish(flow: LoginFlow<PrimaryAuthed>, proof: FactorVerified) {
//!     let _ = flow.complete(proof);
//! }
//! ```
//! ```
//! use mfa_engine::{ChallengePending, FactorVerified, LoginFlow};
//! fn finish(flow: LoginFlow<ChallengePending>, proof: FactorVerified) {
//!     let _ = flow.complete(proof);
//! }
//! ```
//!
//! **Reusing a consumed flow.** Transitions take the flow by value: the old state cannot be used
//! after it moved on. (E0382: use of moved value.)
//! ```compile_fail
//! use mfa_engine::{ChallengePending, FactorVerified, LoginFlow};
//! fn double_spend(flow: LoginFlow<ChallengePending>, proof: FactorVerified) {
//!     let _session = flow.complete(proof);
//!     let _again = flow.record_failure(5);
//! }
//! ```
//! ```
//! use mfa_engine::{ChallengePending, FactorVerified, LoginFlow};
//! fn spend_once(flow: LoginFlow<ChallengePending>, proof: FactorVerified) {
//!     let _session = flow.complete(proof);
//! }
//! ```
//!
//! **Forging a session or a proof.** `MemberSession` and `FactorVerified` have private fields:
//! only the engine builds them, the proof only from a Stytch response that verified a factor. ("cannot construct … due to private fields".)
//! ```compile_fail
//! let _state = mfa_engine::MemberSession {};
//! ```
//! ```compile_fail
//! let _proof = mfa_engine::FactorVerified {};
//! ```
//! ```
//! fn holds(_state: mfa_engine::MemberSession, _proof: mfa_engine::FactorVerified) {}
//! ```
//!
//! **Inventing a state.** `FlowState` is sealed: no other crate can implement it. (E0277: `Sealed` is not implemented.)
//! ```compile_fail
//! use mfa_engine::{FlowState, StateKind};
//! struct Skipped;
//! impl FlowState for Skipped {
//!     const KIND: StateKind = StateKind::MemberSession;
//! }
//! ```
//! ```
//! fn kind_of<S: mfa_engine::FlowState>() -> mfa_engine::StateKind {
//!     S::KIND
//! }
//! ```
//!
//! **Inserting a later state.** Only an initial state (`PrimaryAuthed`) may be inserted; later
//! states are saved over it. (E0277: `InitialState` is not implemented.)
//! ```compile_fail
//! use mfa_engine::{ChallengePending, FlowStore, LoginFlow, SqliteFlowStore};
//! async fn sneak_in(store: &SqliteFlowStore, flow: LoginFlow<ChallengePending>) {
//!     let _ = store.insert_flow(flow).await;
//! }
//! ```
//! ```
//! use mfa_engine::{FlowStore, LoginFlow, PrimaryAuthed, SqliteFlowStore};
//! async fn start(store: &SqliteFlowStore, flow: LoginFlow<PrimaryAuthed>) {
//!     let _ = store.insert_flow(flow).await;
//! }
//! ```
