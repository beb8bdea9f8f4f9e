//! The two backends as test databases: each case gets a fresh database of its own (SQLite: a
//! file in a temp dir; Postgres: `CREATE DATABASE` with a unique name on the server named by
//! `STYTCH_MFA_TEST_POSTGRES_URL`, see `tests/support/test_postgres.rs`), so the cases run in
//! parallel. Without that variable the Postgres cases print a note and skip on a developer's
//! machine, and FAIL under `CI=true` (what `.ci/run` sets), so CI can never skip them silently.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::store::{FlowStore, PgFlowStore, SqliteFlowStore};

#[path = "../../../tests/support/test_postgres.rs"]
mod test_postgres;

/// One fresh, empty database of one backend.
pub trait TestDb: Sized + Send + Sync + 'static {
    type Store: FlowStore + Clone + Send + Sync + 'static;

    /// A new database, or `None` when this backend is not available here (the case is skipped).
    async fn create(case: &str) -> Option<Self>;

    /// A store with its own pool on this database: one app replica.
    async fn open(&self) -> Self::Store;

    /// Run hand-written SQL on a store's pool.
    async fn execute(store: &Self::Store, sql: &str) -> Result<(), sqlx::Error>;

    /// The database refused a row for breaking a rule (a CHECK, or a column's type); anything
    /// else (a syntax error in the test's SQL, say) is not a refusal.
    fn is_refusal(e: &sqlx::Error) -> bool;
}

pub struct SqliteDb {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl TestDb for SqliteDb {
    type Store = SqliteFlowStore;

    async fn create(_case: &str) -> Option<Self> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("flows.db");
        Some(SqliteDb { _dir: dir, path })
    }

    async fn open(&self) -> SqliteFlowStore {
        SqliteFlowStore::open(&self.path)
            .await
            .expect("sqlite store opens")
    }

    async fn execute(store: &SqliteFlowStore, sql: &str) -> Result<(), sqlx::Error> {
        sqlx::query(sql).execute(store.pool()).await.map(|_| ())
    }

    fn is_refusal(e: &sqlx::Error) -> bool {
        // CHECK, or STRICT's "cannot store TEXT value in INTEGER column".
        let msg = e.to_string();
        msg.contains("CHECK constraint failed") || msg.contains("cannot store")
    }
}

pub struct PgDb {
    options: PgConnectOptions,
}

impl TestDb for PgDb {
    type Store = PgFlowStore;

    async fn create(case: &str) -> Option<Self> {
        let options = test_postgres::fresh_database(case).await?;
        Some(PgDb { options })
    }

    async fn open(&self) -> PgFlowStore {
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect_with(self.options.clone())
            .await
            .expect("postgres pool connects");
        PgFlowStore::from_pool(pool)
            .await
            .expect("postgres store migrates")
    }

    async fn execute(store: &PgFlowStore, sql: &str) -> Result<(), sqlx::Error> {
        sqlx::query(sql).execute(store.pool()).await.map(|_| ())
    }

    fn is_refusal(e: &sqlx::Error) -> bool {
        // check_violation, invalid_text_representation ('zero' as a number),
        // datatype_mismatch (2 as a boolean).
        e.as_database_error()
            .and_then(|d| d.code())
            .is_some_and(|c| matches!(&*c, "23514" | "22P02" | "42804"))
    }
}

/// Instantiate each listed `async fn case<D: TestDb>(db: D)` twice, as
/// `tests::sqlite::case` and `tests::postgres::case`.
macro_rules! on_both_backends {
    ($($case:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    use $crate::store::tests::backends::{SqliteDb, TestDb};
                    let db = SqliteDb::create(stringify!($case)).await.expect("sqlite");
                    super::$case(db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $case() {
                    use $crate::store::tests::backends::{PgDb, TestDb};
                    if let Some(db) = PgDb::create(stringify!($case)).await {
                        super::$case(db).await;
                    }
                }
            )*
        }
    };
}
pub(crate) use on_both_backends;
