//! Integration tests of the example app over real HTTP (the whole demo in-process: embedded
//! mock, seeded data, app on port 0), and in a headless Chromium.
//!
//! One module per concern: `csrf`, `journeys` (every flow of the guide), `errors` (friendly
//! pages), `faults` (Stytch faults on the login's calls), `restart` (mid-login restart),
//! `concurrency` (two tabs), `dashboard` (the proxy), `external` (a configured Stytch instead
//! of the demo), `browser` (WebDriver; needs /usr/bin/chromium and /usr/bin/chromedriver).

mod browser;
mod concurrency;
mod csrf;
mod dashboard;
mod errors;
mod external;
mod faults;
mod helpers;
mod journeys;
mod restart;
