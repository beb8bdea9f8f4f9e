//! Response shapes shared by several API families: member, organization, member session and
//! the common primary-auth response (CONTRACT §2.1, §2.2, §2.6, §2.7).
//!
//! Parsing is lenient where Stytch is inconsistent (`""` vs `null`, unknown enum values, extra
//! keys) and strict where the flow engine depends on a value. Never `Serialize`: these structs
//! describe what Stytch sends, not what we send.

mod models;
mod primary;
pub(crate) mod serde_util;

pub use models::{
    AuthenticationFactor, Member, MemberSession, MfaMethod, MfaMethods, MfaPolicy, Organization,
};
pub use primary::{
    MemberOptions, MfaRequired, PrimaryAuthResponse, PrimaryRequired, SecondaryAuth,
};
