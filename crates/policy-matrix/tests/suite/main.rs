//! The policy-matrix suite: one test binary, one module per concern.
//!
//! `exhaustive` drives every valid combination against the in-process mock through the engine;
//! `completion` tries every MFA method on the IST of every MFA-demanding row;
//! `invalid` shows the API refusing each invalid one; `random` runs model-based action
//! sequences; `artifact` pins the decision table (insta snapshot, docs/policy-matrix.md).

mod harness;
mod observe;

mod artifact;
mod completion;
mod exhaustive;
mod invalid;
mod random;
