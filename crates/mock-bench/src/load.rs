//! The load generator: `connections` tokio tasks, each with its own keep-alive connection, running
//! an [`Op`] back to back (closed loop) and recording each operation's latency in its own HDR
//! histogram; the histograms are merged at the end.
//!
//! Every run is bounded twice: by time (`warmup + duration`) and by count (`max_ops`, counted
//! across all tasks). Operations that start during the warm-up are run but not recorded. The same
//! generator, with the same settings, drives the baseline and the mock.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::client::{Conn, Req};
use crate::stats::Summary;

#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub connections: usize,
    /// Unrecorded run-in: connections warm, caches and the SQLite page cache filled.
    pub warmup: Duration,
    /// The measured window.
    pub duration: Duration,
    /// Upper bound on operations started (warm-up included), across all connections.
    pub max_ops: u64,
}

/// One unit of work a connection repeats: a single request, or a whole login.
pub trait Op: Send + Sync + 'static {
    /// `worker` is the connection's index, `seq` how many operations it has started before.
    fn run(
        &self,
        conn: &mut Conn,
        worker: usize,
        seq: u64,
    ) -> impl Future<Output = anyhow::Result<()>> + Send;

    /// Operations one connection may start (for ops that use up single-use data).
    fn per_worker_limit(&self) -> u64 {
        u64::MAX
    }
}

/// Replays prepared requests, worker `w` starting at `w` and stepping by the connection count, and
/// requires 200. Works unchanged against the baseline, which is the point.
pub struct Replay {
    pub requests: Vec<Req>,
    pub connections: usize,
}

impl Op for Replay {
    async fn run(&self, conn: &mut Conn, worker: usize, seq: u64) -> anyhow::Result<()> {
        let i = (worker + self.connections * seq as usize) % self.requests.len();
        conn.ok(&self.requests[i]).await.map(|_| ())
    }
}

/// Drive `addr` with `op` under `spec`; returns once every task has stopped.
pub async fn run<O: Op>(addr: SocketAddr, spec: Spec, op: Arc<O>) -> anyhow::Result<Summary> {
    let mut conns = Vec::with_capacity(spec.connections);
    for _ in 0..spec.connections {
        conns.push(Conn::connect(addr).await?);
    }
    let started = Arc::new(AtomicU64::new(0));
    let t0 = Instant::now();
    let measure_from = t0 + spec.warmup;
    let deadline = measure_from + spec.duration;
    let mut tasks = Vec::with_capacity(spec.connections);
    for (worker, mut conn) in conns.into_iter().enumerate() {
        let op = op.clone();
        let started = started.clone();
        tasks.push(tokio::spawn(async move {
            let mut s = Summary::empty();
            let mut last_end = measure_from;
            let mut seq = 0u64;
            loop {
                let begin = Instant::now();
                if begin >= deadline
                    || seq >= op.per_worker_limit()
                    || started.fetch_add(1, Ordering::Relaxed) >= spec.max_ops
                {
                    break;
                }
                let result = op.run(&mut conn, worker, seq).await;
                seq += 1;
                let end = Instant::now();
                if begin < measure_from {
                    continue;
                }
                last_end = end;
                match result {
                    Ok(()) => {
                        let us = end.duration_since(begin).as_micros().max(1) as u64;
                        let _ = s.latency.record(us.min(s.latency.high()));
                        s.ok += 1;
                    }
                    Err(e) => {
                        s.errors += 1;
                        if s.first_error.is_none() {
                            s.first_error = Some(format!("{e:#}"));
                        }
                    }
                }
            }
            (s, last_end)
        }));
    }
    let mut total = Summary::empty();
    let mut end = measure_from;
    for t in tasks {
        let (s, last_end) = t.await?;
        total.ok += s.ok;
        total.errors += s.errors;
        total
            .latency
            .add(&s.latency)
            .map_err(|e| anyhow::anyhow!("merge histograms: {e:?}"))?;
        if total.first_error.is_none() {
            total.first_error = s.first_error;
        }
        end = end.max(last_end);
    }
    total.elapsed = end.saturating_duration_since(measure_from);
    Ok(total)
}
