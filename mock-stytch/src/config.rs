//! How one mock instance behaves: identity, storage, seed, clock and the knobs tests turn.
//!
//! Everything here is plain data; [`crate::state::AppState::open`] acts on it. Defaults are the
//! documented ones (README "Defaults"), so a bare `mock-stytch` is reproducible.

use std::path::PathBuf;

use chrono::{DateTime, Utc};

/// The project id printed at start when none is given. Fixed so SDK snippets can be copied.
pub const DEFAULT_PROJECT_ID: &str = "project-test-11111111-2222-4333-8444-555555555555";
/// The secret printed at start when none is given. This is a mock: it guards nothing real.
pub const DEFAULT_SECRET: &str = "secret-test-mock-stytch-local-only-000000000";
/// Default listen address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9010";
/// Default database file, relative to the working directory.
pub const DEFAULT_DB: &str = "mock-stytch.db";
/// bcrypt cost of the passwords the mock hashes itself (resets): the cheapest bcrypt allows
/// (~1 ms a verification instead of ~50 ms at 10). A hash never leaves the mock, so its cost
/// is invisible to clients; imported (`passwords.migrate`) hashes keep their own cost.
pub const DEFAULT_BCRYPT_COST: u32 = 4;
/// The costs bcrypt accepts.
pub const BCRYPT_COSTS: std::ops::RangeInclusive<u32> = 4..=31;

#[derive(Clone, Debug)]
pub enum DbLocation {
    /// A SQLite file (created when missing), opened in WAL mode.
    File(PathBuf),
    /// A private in-memory database: gone when the instance stops.
    Memory,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub project_id: String,
    pub secret: String,
    pub db: DbLocation,
    /// Seed of every generated id, token, code and key. `None`: a random seed is chosen once and
    /// stored in the database, so a restart keeps producing the same family of values.
    pub seed: Option<u64>,
    /// Start the virtual clock at this instant and keep it still (only `/_mock/clock` moves it).
    /// `None`: the clock follows real time plus an offset, so JWTs verify under wall-clock checks.
    pub frozen_clock: Option<DateTime<Utc>>,
    /// Every SMS OTP code equals this (demos). `None`: codes derive from the seed.
    pub fixed_otp: Option<String>,
    /// bcrypt cost for passwords the mock hashes itself (default [`DEFAULT_BCRYPT_COST`], within
    /// [`BCRYPT_COSTS`]); migrated hashes are verified at their own cost.
    pub password_hash_cost: u32,
    /// Wrong attempts allowed on one OTP code before the code is dead.
    pub max_code_attempts: u32,
    /// Failed MFA / password attempts in a row before the member is locked.
    pub lockout_threshold: u32,
    /// How long a lock lasts, in seconds.
    pub lockout_seconds: i64,
    /// `--restore FILE`: replace the database's state by this snapshot's before serving
    /// ([`crate::snapshot`]). `None`: start from the database as it is.
    pub restore: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            project_id: DEFAULT_PROJECT_ID.to_owned(),
            secret: DEFAULT_SECRET.to_owned(),
            db: DbLocation::File(PathBuf::from(DEFAULT_DB)),
            seed: None,
            frozen_clock: None,
            fixed_otp: None,
            password_hash_cost: DEFAULT_BCRYPT_COST,
            max_code_attempts: 5,
            lockout_threshold: 10,
            lockout_seconds: 3600,
            restore: None,
        }
    }
}

impl Config {
    /// In-memory, seed 42 (password hashing at the default, already cheapest, cost): what
    /// in-process tests want.
    pub fn for_tests() -> Config {
        Config {
            db: DbLocation::Memory,
            seed: Some(42),
            ..Config::default()
        }
    }
}
