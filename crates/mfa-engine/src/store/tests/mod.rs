//! The store's test suite. Every case in `cases`, `checks` and `contention` runs on both
//! backends (SQLite and a real PostgreSQL server, see `backends`); `migration_tests` (beside
//! this module) is SQLite's own migration history.

mod backends;
mod cases;
mod checks;
mod contention;
