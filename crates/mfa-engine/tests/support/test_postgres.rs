//! A fresh PostgreSQL database for one test (or bench run), on the server named by
//! `STYTCH_MFA_TEST_POSTGRES_URL` (`bash tests/postgres.sh start` prints one). Each caller gets
//! `CREATE DATABASE` with a unique name, so tests run in parallel. Without the variable:
//! `None` and a printed note on a developer's machine, a panic under `CI=true` (what `.ci/run`
//! sets), so CI can never skip the Postgres cases silently. Shared by the store's unit tests
//! (`src/store/tests/backends.rs`), the e2e replicas test and the transitions bench.

use std::str::FromStr;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};

/// The server the Postgres cases create their databases on.
pub const POSTGRES_URL_VAR: &str = "STYTCH_MFA_TEST_POSTGRES_URL";

/// Connect options for a new, empty database; `purpose` names the caller in the skip note.
pub async fn fresh_database(purpose: &str) -> Option<PgConnectOptions> {
    let Ok(url) = std::env::var(POSTGRES_URL_VAR) else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!(
                "{POSTGRES_URL_VAR} is not set and CI=true: the Postgres cases must run in CI \
                 (tests/run-all.sh starts a server with tests/postgres.sh)"
            );
        }
        eprintln!(
            "note: {purpose}: Postgres variant skipped, {POSTGRES_URL_VAR} is not set \
             (export {POSTGRES_URL_VAR}=$(bash tests/postgres.sh start))"
        );
        return None;
    };
    let server = PgConnectOptions::from_str(&url)
        .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR} is not a Postgres URL: {e}"));
    let name = format!("mfa_test_{}", uuid::Uuid::new_v4().simple());
    admin(&server, &format!("CREATE DATABASE {name}")).await;
    Some(server.database(&name))
}

/// Drop a database made by [`fresh_database`] (its pools must be closed).
#[allow(dead_code)] // the bench drops its database; tests leave theirs to the throwaway cluster
pub async fn drop_database(options: &PgConnectOptions) {
    let name = options.get_database().expect("a database name").to_owned();
    admin(
        &options.clone().database("postgres"),
        &format!("DROP DATABASE {name}"),
    )
    .await;
}

async fn admin(server: &PgConnectOptions, sql: &str) {
    let mut conn = PgConnection::connect_with(server)
        .await
        .unwrap_or_else(|e| panic!("cannot reach the server of {POSTGRES_URL_VAR}: {e}"));
    sqlx::query(sql)
        .execute(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    conn.close().await.expect("close the admin connection");
}
