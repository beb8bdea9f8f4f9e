//! A typed async client for mock-stytch's control API (`/_mock/...`): the outbox, the virtual
//! clock, the TOTP code of the moment, the stand-in identity providers' SSO/OAuth tokens, the
//! request log, fault rules ([`FaultRule`]), fixtures ([`MockControl::load_fixtures_yaml`]),
//! snapshots and restores, reset and health. Every crate of ours that drives the mock uses this
//! one client; [`totp`] computes RFC 6238 codes locally, independently of the mock's generator.
//!
//! Layout: [`MockControl`] (transport and intent-speaking methods), [`wire`] the typed request
//! and answer shapes plus [`path`] (each route spelled once), [`ControlError`] the one error.
//!
//! mock-stytch depends on none of our crates: its own tests (`mock-stytch/tests/api/`) keep their
//! raw requests on purpose, so the mock's routes are checked without this client in between.
//! Nothing here exists on real Stytch: this client must never be used for a step a test is
//! meant to prove through the Stytch API, and must never print the project secret.

mod client;
mod error;
mod faults;
mod fixtures;
mod snapshots;
pub mod totp;
pub mod wire;

pub use client::MockControl;
pub use error::ControlError;
pub use faults::{Fault, FaultAction, FaultHit, FaultKind, FaultMethod, FaultRule};
pub use fixtures::{
    FixturesLoaded, LoadCounts, LoadOutcome, LoadedMember, LoadedOrganization, LoadedSession,
};
pub use snapshots::{Restored, SnapshotFile};
pub use wire::{
    Channel, Clock, Health, LoggedRequest, Message, MessageKind, OauthProvider, OutboxFilter,
    SsoToken, TotpCode, TotpStatus, path,
};
