//! Every Stytch B2B MFA policy combination, a reference model of what Stytch does with each,
//! and the decision table as an artifact (issue 6).
//!
//! Layout: [`space`] enumerates the combinations and names the invalid ones, [`model`] is the
//! reference model written from CONTRACT §3, [`table`] groups its answers and [`render`] prints
//! them. The tests (`tests/suite/`) drive every valid combination through `mfa-engine` against
//! the in-process mock and run random action sequences against a state-machine model.
//! Nothing in `src/` may depend on the mock or the engine: the model must stay independent.

pub mod methods;
pub mod model;
pub mod render;
pub mod space;
pub mod table;

pub use methods::Methods;
pub use model::{EngineStep, MemberOptions, Outcome, Response, decide, step_up};
pub use space::{
    AuthMethods, Combination, DefaultMfa, EntryPoint, Invalid, MemberShape, MfaMethodRule,
    MfaPolicy, OrgPolicy, Phone, Totp,
};
