//! Typed client for the MFA-relevant subset of the Stytch B2B API (`/v1/b2b/...`).
//!
//! Layout: [`config`] says where to talk to (the offline mock or a real Stytch project),
//! [`secret`] holds the opaque credential types, [`error`] the one error enum, [`client`] the
//! HTTP plumbing, [`wire`] the shared response shapes (member, organization, primary-auth), and
//! [`api`] one module per API family with its request/response structs and methods.
//!
//! The wire structs here are this crate's own: they are never shared with the mock, so a
//! serialisation mistake cannot hide on both sides of a test. This crate must never print,
//! log or `Debug`-format a secret; it holds no state beyond the HTTP connection pool.

pub mod api;
pub mod client;
pub mod config;
pub mod error;
pub mod secret;
pub mod wire;

pub use client::StytchClient;
pub use config::ClientConfig;
pub use error::{ApiError, StytchError, Unanswered};
pub use secret::{IntermediateSessionToken, Secret, SessionAuth, SessionJwt, SessionToken};

#[cfg(test)]
mod wire_tests;
