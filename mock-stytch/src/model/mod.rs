//! The mock's own wire structs (what the SDKs receive) and how each is stored and looked up.
//!
//! Stored rows keep lookup keys in columns and the wire object as JSON, so reading an entity is
//! one query and one `serde_json::from_str`. Nothing here talks HTTP; nothing here holds secrets
//! in a serialised field (password hashes live in their own column).

pub mod auth_token;
pub mod email_otp;
pub mod factor;
pub mod intermediate;
pub mod lockout;
pub mod member;
pub mod organization;
pub mod otp_code;
pub mod outbox;
pub mod password;
pub mod policy;
pub mod proven;
pub mod provision;
pub mod recovery_codes;
pub mod session;
mod session_args;
pub mod sms;
pub mod totp;
pub mod validate;

pub use member::Member;
pub use organization::Organization;
