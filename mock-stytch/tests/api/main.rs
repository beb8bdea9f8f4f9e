//! The mock's HTTP-level tests: one binary, one module per feature. Every test starts its own
//! in-process mock on a loopback port (see `helpers::spawn`).

mod helpers;
mod process;
mod schema;
mod secrets_tour;
mod snapshot_script;

mod core_control;
mod core_faults;
mod core_fixtures;
mod core_fixtures_fields;
mod core_har;
mod core_members;
mod core_organizations;
mod core_persistence;
mod core_signing_key;
mod core_snapshot_guards;
mod core_snapshots;
mod core_tls;
mod mfa_determinism;
mod mfa_flows;
mod mfa_helpers;
mod mfa_lockout;
mod mfa_recovery;
mod mfa_sandbox;
mod mfa_sms;
mod mfa_totp;
mod primary_flows;
mod primary_helpers;
mod primary_password_cost;
mod primary_snapshots;
mod primary_table;
mod reliability_auth;
mod reliability_inputs;
mod reliability_limits;
mod reliability_process;
mod reliability_secrets;
mod reliability_single_use;
mod sessions_api;
mod sessions_expiry;
mod ui_dashboard;
mod ui_live;
