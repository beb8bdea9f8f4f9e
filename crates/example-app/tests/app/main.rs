//! Integration tests of the example app over real HTTP (the whole demo in-process: embedded
//! mock, seeded data, app on port 0).
//!
//! One module per concern: `csrf`, `journeys` (every flow of the guide), `errors` (friendly
//! pages), `restart` (mid-login restart), `concurrency` (two tabs), `dashboard` (the proxy).

mod concurrency;
mod csrf;
mod dashboard;
mod errors;
mod helpers;
mod journeys;
mod restart;
