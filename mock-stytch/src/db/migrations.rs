//! The mock's schema migrations (`migrations/mock/`), embedded at compile time with
//! `include_str!` rather than `sqlx::migrate!`.
//!
//! Why not the macro: sqlx's query/migrate macros are a proc macro that links the whole sqlx
//! stack, its database drivers and SQLite's C build a second time, for the host, into every
//! build of the mock (the test build, the wheel's build, a user's `cargo install`). The
//! versions, descriptions and checksums here are exactly what `sqlx::migrate!` (and sqlx's
//! runtime reader) derive from the file names and contents, so a database migrated by an
//! earlier build keeps validating; the test below compares both, file by file. A new migration
//! is a new file plus one line here; never edit an applied file.

use std::sync::LazyLock;

use sqlx::migrate::{Migration, MigrationType, Migrator};

/// `(version, description, sql)`: `NNNN_words_with_underscores.sql` gives version `NNNN` and
/// description "words with underscores" (as sqlx reads them).
const FILES: &[(i64, &str, &str)] = &[
    (
        1,
        "core",
        include_str!("../../../migrations/mock/0001_core.sql"),
    ),
    (
        2,
        "sessions",
        include_str!("../../../migrations/mock/0002_sessions.sql"),
    ),
    (
        3,
        "primary auth",
        include_str!("../../../migrations/mock/0003_primary_auth.sql"),
    ),
    (
        4,
        "mfa factors",
        include_str!("../../../migrations/mock/0004_mfa_factors.sql"),
    ),
    (
        5,
        "outbox filters",
        include_str!("../../../migrations/mock/0005_outbox_filters.sql"),
    ),
];

/// The mock's migrations, in version order.
pub static MIGRATOR: LazyLock<Migrator> = LazyLock::new(|| {
    let migrations: Vec<Migration> = FILES
        .iter()
        .map(|&(version, description, sql)| {
            Migration::new(
                version,
                description.into(),
                MigrationType::Simple,
                sql.into(),
                false,
            )
        })
        .collect();
    Migrator {
        migrations: migrations.into(),
        ..Migrator::DEFAULT
    }
});

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[tokio::test]
    async fn the_embedded_list_is_what_sqlx_reads_from_the_folder() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/mock");
        let from_folder = Migrator::new(folder.as_path())
            .await
            .expect("migrations/mock reads");
        let key = |m: &Migration| {
            let kind = format!("{:?}", m.migration_type);
            (
                m.version,
                m.description.to_string(),
                m.checksum.to_vec(),
                m.no_tx,
                kind,
            )
        };
        let ours: Vec<_> = MIGRATOR.iter().map(key).collect();
        let theirs: Vec<_> = from_folder.iter().map(key).collect();
        assert_eq!(
            ours, theirs,
            "the embedded list differs from migrations/mock/ (a file added or changed without \
             its line in src/db/migrations.rs?)"
        );
    }
}
