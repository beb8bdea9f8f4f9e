//! The engine's migrations (SQLite: `migrations/engine/`, Postgres: `migrations/engine-postgres/`),
//! embedded at compile time with `include_str!` instead of `sqlx::migrate!`.
//!
//! Why not the macro: it is a proc macro that links the whole sqlx stack and SQLite's C build
//! into every compile of the engine — trybuild's compile-fail checks among them, which rebuild
//! the engine's dependencies from scratch. The versions, descriptions and checksums here are
//! exactly what `sqlx::migrate!` (and sqlx's runtime reader) derive from the file names and
//! contents, so a database migrated by an earlier build keeps validating; the test below
//! compares both, file by file.
//! A new migration is a new file plus one line here; never edit an applied file.

use std::sync::LazyLock;

use sqlx::migrate::{Migration, MigrationType, Migrator};

/// `(version, description, sql)` of each file: `NNNN_words_with_underscores.sql` gives version
/// `NNNN` and description "words with underscores" (as `sqlx::migrate!` reads them).
type File = (i64, &'static str, &'static str);

const SQLITE_FILES: &[File] = &[
    (
        1,
        "login flows",
        include_str!("../../../../migrations/engine/0001_login_flows.sql"),
    ),
    (
        2,
        "routed states only",
        include_str!("../../../../migrations/engine/0002_routed_states_only.sql"),
    ),
];

const POSTGRES_FILES: &[File] = &[(
    1,
    "login flows",
    include_str!("../../../../migrations/engine-postgres/0001_login_flows.sql"),
)];

fn migrator(files: &[File]) -> Migrator {
    let migrations: Vec<Migration> = files
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
}

/// The SQLite store's migrations.
pub static SQLITE: LazyLock<Migrator> = LazyLock::new(|| migrator(SQLITE_FILES));

/// The Postgres store's migrations.
pub static POSTGRES: LazyLock<Migrator> = LazyLock::new(|| migrator(POSTGRES_FILES));

#[cfg(test)]
mod tests {
    use super::*;

    fn same(ours: &Migrator, from_folder: &Migrator, folder: &str) {
        let key = |m: &Migration| {
            (
                m.version,
                m.description.to_string(),
                m.checksum.to_vec(),
                m.no_tx,
                format!("{:?}", m.migration_type),
            )
        };
        let ours: Vec<_> = ours.iter().map(key).collect();
        let theirs: Vec<_> = from_folder.iter().map(key).collect();
        assert_eq!(
            ours, theirs,
            "{folder}: the embedded list differs from what sqlx reads from the folder \
             (a file added or changed without its line in store/migrations.rs?)"
        );
    }

    /// sqlx's runtime reader of a migrations folder: the same file-name and checksum rules as
    /// `sqlx::migrate!`, without linking its proc macro.
    async fn read(folder: &str) -> Migrator {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(folder);
        Migrator::new(path.as_path())
            .await
            .expect("the migrations folder reads")
    }

    #[tokio::test]
    async fn the_embedded_lists_are_what_sqlx_reads_from_the_folders() {
        let sqlite = "migrations/engine";
        same(&SQLITE, &read(sqlite).await, sqlite);
        let postgres = "migrations/engine-postgres";
        same(&POSTGRES, &read(postgres).await, postgres);
    }
}
