//! End-to-end: the service layer against the in-process mock Stytch, one module per flow of
//! the seed integration guide (plus step-up, expiry and restart). Each test spawns its own mock
//! and its own SQLite file, so tests run in parallel without sharing anything.

mod helpers;

mod concurrency;
mod entry_points;
mod expiry;
mod faults;
mod optional_enrollment;
mod replicas;
mod required_enrollment;
mod restart;
mod returning_mfa;
mod step_up;
mod writes;
