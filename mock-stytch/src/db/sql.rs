//! The mock's statements: a small query API shaped like sqlx's (`query`, `query_scalar`,
//! `query_as`, `.bind()`, `.execute()`, `.fetch_optional()` …) over rusqlite, run on the
//! calling thread.
//!
//! Why not sqlx here (issue 16, BENCHMARKS.md "The write path without HTTP"): sqlx runs every
//! SQLite statement on a worker thread of its own, a channel send and two context switches per
//! statement; the same 8-statement transaction ran 2,839/s that way against 10,675/s as plain
//! calls on one thread. Statements here are prepared once per connection (rusqlite's cache)
//! and run where they are called; they take microseconds, so they may run on a runtime thread.
//! The fetch methods return a ready future, so call sites read like sqlx's (`.await`) and cost
//! nothing extra. sqlx still opens and migrates the file (`super::MIGRATOR`).
//!
//! This module must never hold a statement, a row or a connection borrow past the call that
//! made it (they are not `Send`), and never block on anything but SQLite itself.

use std::future::{Ready, ready};
use std::marker::PhantomData;

use rusqlite::types::FromSql;
use rusqlite::{Connection, ToSql};

/// A connection of the mock's (the writer's, or one of the read connections).
pub type Conn = Connection;

/// A database failure: SQLite's own, or the writer having stopped (shutdown).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Other(String),
}

/// Is this a UNIQUE (or PRIMARY KEY) constraint failure?
pub fn is_unique_violation(e: &Error) -> bool {
    use rusqlite::ffi;
    matches!(e, Error::Sqlite(rusqlite::Error::SqliteFailure(f, _))
        if f.extended_code == ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}

/// What a statement that returns no rows reports.
#[derive(Clone, Copy, Debug)]
pub struct Done {
    rows: u64,
}

impl Done {
    pub fn rows_affected(&self) -> u64 {
        self.rows
    }
}

/// A row decoded into a Rust value: tuples of [`FromSql`] columns.
pub trait FromRow: Sized {
    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
}

macro_rules! tuple_from_row {
    ($($t:ident $i:tt),+) => {
        impl<$($t: FromSql),+> FromRow for ($($t,)+) {
            fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
                Ok(($(row.get::<_, $t>($i)?,)+))
            }
        }
    };
}
tuple_from_row!(A 0);
tuple_from_row!(A 0, B 1);
tuple_from_row!(A 0, B 1, C 2);
tuple_from_row!(A 0, B 1, C 2, D 3);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13);

/// A statement with its arguments, not yet run.
pub struct Query<'q> {
    sql: &'q str,
    args: Vec<Box<dyn ToSql + Send + 'q>>,
    cached: bool,
}

/// A statement whose rows decode through `D`: [`AsRow`] ([`query_as`]) or [`FirstColumn`]
/// ([`query_scalar`]).
pub struct QueryAs<'q, D> {
    inner: Query<'q>,
    _out: PhantomData<fn() -> D>,
}

pub fn query(sql: &str) -> Query<'_> {
    Query {
        sql,
        args: Vec::new(),
        cached: true,
    }
}

pub fn query_as<O: FromRow>(sql: &str) -> QueryAs<'_, AsRow<O>> {
    QueryAs {
        inner: query(sql),
        _out: PhantomData,
    }
}

pub fn query_scalar<T: FromSql>(sql: &str) -> QueryAs<'_, FirstColumn<T>> {
    QueryAs {
        inner: query(sql),
        _out: PhantomData,
    }
}

/// Several statements without arguments, run in one go (`execute_batch`).
pub fn raw_sql_on(conn: &mut Conn, sql: &str) -> Ready<Result<(), Error>> {
    ready(conn.execute_batch(sql).map_err(Error::from))
}

impl<'q> Query<'q> {
    pub fn bind<T: ToSql + Send + 'q>(mut self, value: T) -> Self {
        self.args.push(Box::new(value));
        self
    }

    /// Prepare the statement afresh instead of keeping it in the connection's cache (for text
    /// that is different every time, e.g. a file name).
    pub fn persistent(mut self, keep: bool) -> Self {
        self.cached = keep;
        self
    }

    fn run<R>(
        &self,
        conn: &Conn,
        f: impl FnOnce(&mut rusqlite::Statement<'_>, &[&dyn ToSql]) -> rusqlite::Result<R>,
    ) -> Result<R, Error> {
        let args: Vec<&dyn ToSql> = self.args.iter().map(|a| a.as_ref() as &dyn ToSql).collect();
        if self.cached {
            let mut stmt = conn.prepare_cached(self.sql)?;
            Ok(f(&mut stmt, &args)?)
        } else {
            let mut stmt = conn.prepare(self.sql)?;
            Ok(f(&mut stmt, &args)?)
        }
    }

    pub fn execute(self, conn: &mut Conn) -> Ready<Result<Done, Error>> {
        // Stepped through like a query, so a statement that answers rows (a PRAGMA) is fine.
        let ran = self.run(conn, |stmt, args| {
            let mut rows = stmt.query(args)?;
            while rows.next()?.is_some() {}
            Ok(())
        });
        ready(ran.map(|()| Done {
            rows: conn.changes(),
        }))
    }

    fn rows<D: Decode>(&self, conn: &Conn, limit: Option<usize>) -> Result<Vec<D::Out>, Error> {
        self.run(conn, |stmt, args| {
            let mut rows = stmt.query(args)?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(D::decode(row)?);
                if limit.is_some_and(|n| out.len() >= n) {
                    break;
                }
            }
            Ok(out)
        })
    }
}

/// How a [`QueryAs`] turns a row into its output.
pub trait Decode {
    type Out;
    fn decode(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self::Out>;
}

/// Decode the whole row as `O` (a tuple).
pub struct AsRow<O>(PhantomData<O>);

impl<O: FromRow> Decode for AsRow<O> {
    type Out = O;
    fn decode(row: &rusqlite::Row<'_>) -> rusqlite::Result<O> {
        O::from_row(row)
    }
}

/// Decode the first column as `T`.
pub struct FirstColumn<T>(PhantomData<T>);

impl<T: FromSql> Decode for FirstColumn<T> {
    type Out = T;
    fn decode(row: &rusqlite::Row<'_>) -> rusqlite::Result<T> {
        row.get(0)
    }
}

impl<'q, D: Decode> QueryAs<'q, D> {
    pub fn bind<T: ToSql + Send + 'q>(mut self, value: T) -> Self {
        self.inner = self.inner.bind(value);
        self
    }

    pub fn persistent(mut self, keep: bool) -> Self {
        self.inner = self.inner.persistent(keep);
        self
    }

    pub fn fetch_all(self, conn: &mut Conn) -> Ready<Result<Vec<D::Out>, Error>> {
        ready(self.inner.rows::<D>(conn, None))
    }

    pub fn fetch_optional(self, conn: &mut Conn) -> Ready<Result<Option<D::Out>, Error>> {
        ready(
            self.inner
                .rows::<D>(conn, Some(1))
                .map(|v| v.into_iter().next()),
        )
    }

    /// The first row; `QueryReturnedNoRows` when there is none.
    pub fn fetch_one(self, conn: &mut Conn) -> Ready<Result<D::Out, Error>> {
        ready(self.inner.rows::<D>(conn, Some(1)).and_then(|v| {
            v.into_iter()
                .next()
                .ok_or(rusqlite::Error::QueryReturnedNoRows.into())
        }))
    }
}
