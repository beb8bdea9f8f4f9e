//! QA scenario replay: policy scenarios written once in YAML ([`scenario`]), replayed through
//! `mfa-engine` against the in-process mock or a running server ([`runner`]), reported as a
//! trace, a summary line and optionally JUnit XML ([`report`]). [`record`] turns a mock's
//! request log into a scenario. [`cli`] is the `stytch-mfa` command; the binary only calls it.

pub mod cli;
pub mod record;
pub mod report;
pub mod runner;
pub mod scenario;
