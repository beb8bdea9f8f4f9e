//! The read connections: rusqlite connections on the database file (WAL: they never wait for
//! the writer, and every statement sees the last commit), checked out one per request.
//!
//! [`ReadPool::acquire`] never waits: it takes an idle connection or opens one more, and a
//! returned connection is kept if fewer than [`KEEP_IDLE`] are idle. Since statements run on
//! the calling thread (see [`super::sql`]), about as many connections are in use as the runtime
//! has threads. This pool must never be used to write: writes go through the writer
//! ([`super::Db::write`]).

use std::sync::{Arc, Mutex};

use super::sql::{Conn, Error};

/// How many idle read connections are kept.
const KEEP_IDLE: usize = 8;

type Opener = dyn Fn() -> Result<Conn, Error> + Send + Sync;

#[derive(Clone)]
pub struct ReadPool {
    inner: Arc<Inner>,
}

struct Inner {
    open: Box<Opener>,
    idle: Mutex<Vec<Conn>>,
}

impl std::fmt::Debug for ReadPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadPool").finish_non_exhaustive()
    }
}

/// A checked-out read connection; dropping it returns it to the pool.
pub struct ReadConn {
    conn: Option<Conn>,
    pool: Arc<Inner>,
}

impl ReadPool {
    /// A pool whose connections come from `open`; one is opened now, so a bad file fails here.
    pub fn new(
        open: impl Fn() -> Result<Conn, Error> + Send + Sync + 'static,
    ) -> Result<ReadPool, Error> {
        let first = open()?;
        Ok(ReadPool {
            inner: Arc::new(Inner {
                open: Box::new(open),
                idle: Mutex::new(vec![first]),
            }),
        })
    }

    /// A connection of its own for the caller (async for the call sites' shape; it never waits).
    pub async fn acquire(&self) -> Result<ReadConn, Error> {
        self.get()
    }

    /// [`ReadPool::acquire`] without the future.
    pub fn get(&self) -> Result<ReadConn, Error> {
        let idle = self.inner.idle.lock().expect("read pool lock").pop();
        let conn = match idle {
            Some(conn) => conn,
            None => (self.inner.open)()?,
        };
        Ok(ReadConn {
            conn: Some(conn),
            pool: self.inner.clone(),
        })
    }

    /// Close the idle connections (the ones checked out close when they are dropped).
    pub fn close(&self) {
        self.inner.idle.lock().expect("read pool lock").clear();
    }
}

impl std::ops::Deref for ReadConn {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn.as_ref().expect("a checked-out connection")
    }
}

impl std::ops::DerefMut for ReadConn {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("a checked-out connection")
    }
}

impl Drop for ReadConn {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let mut idle = self.pool.idle.lock().expect("read pool lock");
            if idle.len() < KEEP_IDLE {
                idle.push(conn);
            }
        }
    }
}
