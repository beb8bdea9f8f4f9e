//! The mock's write path without HTTP: one write transaction shaped like `otps/sms/send` (BEGIN,
//! read the organization and the member, read and upsert the SMS code, append to the outbox,
//! persist the id counter, COMMIT — 8 statements) on a file-backed SQLite database in WAL mode,
//! from 50 concurrent callers, done three ways:
//!
//! * as the mock does it: sqlx pool + one async mutex held for the whole transaction, every
//!   statement a round trip to sqlx's per-connection worker thread;
//! * the same plus `PRAGMA mmap_size` (a one-line change in the mock's `db.rs`);
//! * one dedicated thread owning a rusqlite connection that runs the whole transaction per
//!   request: still a single writer, but one hand-off per transaction instead of one per statement.
//!
//! It isolates how much of the mock's write cost is SQLite and how much is the hand-offs.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::load::Spec;
use crate::stats::Summary;

const MEMBERS: usize = 1000;

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS organizations (organization_id TEXT PRIMARY KEY NOT NULL, data TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS members (member_id TEXT PRIMARY KEY NOT NULL, organization_id TEXT NOT NULL, data TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS sms_codes (member_id TEXT PRIMARY KEY NOT NULL, code TEXT NOT NULL, sends INTEGER NOT NULL, expires_at INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, member_id TEXT, code TEXT, sent_at INTEGER NOT NULL)",
];
const GET_ORG: &str = "SELECT data FROM organizations WHERE organization_id = ?";
const GET_MEMBER: &str = "SELECT data FROM members WHERE organization_id = ? AND member_id = ?";
const GET_SENDS: &str = "SELECT sends FROM sms_codes WHERE member_id = ?";
const UPSERT_CODE: &str = "INSERT INTO sms_codes (member_id, code, sends, expires_at) VALUES (?, ?, ?, ?) \
     ON CONFLICT(member_id) DO UPDATE SET code = excluded.code, sends = excluded.sends, expires_at = excluded.expires_at";
const OUTBOX: &str = "INSERT INTO outbox (id, member_id, code, sent_at) VALUES (?, ?, ?, ?)";
const META: &str = "INSERT INTO meta (key, value) VALUES ('id_counter', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value";

/// A member's stored JSON, about the size of the mock's.
fn member_data(i: usize) -> String {
    format!(
        "{{\"member_id\":\"member-{i}\",\"pad\":\"{}\"}}",
        "x".repeat(1400)
    )
}

#[derive(Clone, Debug)]
pub struct TxResult {
    pub name: &'static str,
    pub note: &'static str,
    pub summary: Summary,
}

/// Run `f(worker, seq)` from `spec.connections` tasks, bounded by time and count; like
/// [`crate::load::run`] without HTTP.
async fn drive<F, Fut>(spec: Spec, f: F) -> anyhow::Result<Summary>
where
    F: Fn(usize, u64) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = anyhow::Result<()>> + Send,
{
    let started = Arc::new(AtomicU64::new(0));
    let measure_from = Instant::now() + spec.warmup;
    let deadline = measure_from + spec.duration;
    let mut tasks = Vec::new();
    for w in 0..spec.connections {
        let (f, started) = (f.clone(), started.clone());
        tasks.push(tokio::spawn(async move {
            let mut s = Summary::empty();
            let mut last = measure_from;
            let mut seq = 0;
            loop {
                let begin = Instant::now();
                if begin >= deadline || started.fetch_add(1, Ordering::Relaxed) >= spec.max_ops {
                    break;
                }
                let r = f(w, seq).await;
                seq += 1;
                let end = Instant::now();
                if begin < measure_from {
                    continue;
                }
                last = end;
                match r {
                    Ok(()) => {
                        let _ = s.latency.record((end - begin).as_micros().max(1) as u64);
                        s.ok += 1;
                    }
                    Err(e) => {
                        s.errors += 1;
                        s.first_error.get_or_insert_with(|| format!("{e:#}"));
                    }
                }
            }
            (s, last)
        }));
    }
    let mut total = Summary::empty();
    let mut end = measure_from;
    for t in tasks {
        let (s, last) = t.await?;
        total.ok += s.ok;
        total.errors += s.errors;
        let _ = total.latency.add(&s.latency);
        if total.first_error.is_none() {
            total.first_error = s.first_error;
        }
        end = end.max(last);
    }
    total.elapsed = end.saturating_duration_since(measure_from);
    Ok(total)
}

async fn sqlx_variant(path: &Path, spec: Spec, mmap: bool) -> anyhow::Result<Summary> {
    let tag = if mmap { "mmap" } else { "sqlx" }; // outbox ids stay unique across variants
    let mut options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);
    if mmap {
        options = options.pragma("mmap_size", "268435456");
    }
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .min_connections(1)
        .connect_with(options)
        .await?;
    let lock = Arc::new(Mutex::new(()));
    let counter = Arc::new(AtomicU64::new(0));
    let summary = drive(spec, move |w, seq| {
        let (pool, lock, counter) = (pool.clone(), lock.clone(), counter.clone());
        async move {
            let m = (w + spec.connections * seq as usize) % MEMBERS;
            let member_id = format!("member-{m}");
            let _guard = lock.lock().await;
            let mut tx = pool.begin().await?;
            let _org: String = sqlx::query_scalar(GET_ORG)
                .bind("org-0")
                .fetch_one(&mut *tx)
                .await?;
            let _member: String = sqlx::query_scalar(GET_MEMBER)
                .bind("org-0")
                .bind(&member_id)
                .fetch_one(&mut *tx)
                .await?;
            let sends: i64 = sqlx::query_scalar(GET_SENDS)
                .bind(&member_id)
                .fetch_optional(&mut *tx)
                .await?
                .unwrap_or(0)
                + 1;
            sqlx::query(UPSERT_CODE)
                .bind(&member_id)
                .bind("123456")
                .bind(sends)
                .bind(1_900_000_000i64)
                .execute(&mut *tx)
                .await?;
            let n = counter.fetch_add(1, Ordering::Relaxed);
            sqlx::query(OUTBOX)
                .bind(format!("message-{tag}-{n}"))
                .bind(&member_id)
                .bind("123456")
                .bind(1_900_000_000i64)
                .execute(&mut *tx)
                .await?;
            sqlx::query(META)
                .bind(n.to_string())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(())
        }
    })
    .await?;
    Ok(summary)
}

type Job = (usize, oneshot::Sender<anyhow::Result<()>>);

fn rusqlite_thread(path: &Path, mut rx: mpsc::Receiver<Job>) -> anyhow::Result<()> {
    let mut conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let mut n = 0u64;
    while let Some((m, reply)) = rx.blocking_recv() {
        let result = (|| -> anyhow::Result<()> {
            let member_id = format!("member-{m}");
            let tx = conn.transaction()?;
            let _org: String = tx
                .prepare_cached(GET_ORG)?
                .query_row(["org-0"], |r| r.get(0))?;
            let _member: String = tx
                .prepare_cached(GET_MEMBER)?
                .query_row(["org-0", &member_id], |r| r.get(0))?;
            let sends: i64 = {
                let mut st = tx.prepare_cached(GET_SENDS)?;
                let mut rows = st.query([&member_id])?;
                rows.next()?
                    .map(|r| r.get::<_, i64>(0))
                    .transpose()?
                    .unwrap_or(0)
                    + 1
            };
            tx.prepare_cached(UPSERT_CODE)?.execute(rusqlite::params![
                member_id,
                "123456",
                sends,
                1_900_000_000i64
            ])?;
            n += 1;
            tx.prepare_cached(OUTBOX)?.execute(rusqlite::params![
                format!("message-r{n}"),
                member_id,
                "123456",
                1_900_000_000i64
            ])?;
            tx.prepare_cached(META)?.execute([n.to_string()])?;
            tx.commit()?;
            Ok(())
        })();
        let _ = reply.send(result);
    }
    Ok(())
}

async fn rusqlite_variant(path: &Path, spec: Spec) -> anyhow::Result<Summary> {
    let (tx, rx) = mpsc::channel::<Job>(1024);
    let p = path.to_owned();
    let worker = std::thread::Builder::new()
        .name("sqlite-writer".into())
        .spawn(move || rusqlite_thread(&p, rx))?;
    let summary = drive(spec, move |w, seq| {
        let tx = tx.clone();
        async move {
            let m = (w + spec.connections * seq as usize) % MEMBERS;
            let (reply, done) = oneshot::channel();
            tx.send((m, reply))
                .await
                .map_err(|_| anyhow::anyhow!("writer thread gone"))?;
            done.await?
        }
    })
    .await?;
    // All senders were moved into the (now finished) closure clones; the thread ends.
    tokio::task::spawn_blocking(move || worker.join())
        .await?
        .map_err(|_| anyhow::anyhow!("writer panicked"))??;
    Ok(summary)
}

/// Create and fill the database the three variants share.
async fn prepare(path: &Path) -> anyhow::Result<()> {
    let p = path.to_owned();
    tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let mut conn = rusqlite::Connection::open(&p)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let tx = conn.transaction()?;
        for s in SCHEMA {
            tx.execute(s, [])?;
        }
        tx.execute(
            "INSERT INTO organizations VALUES ('org-0', ?)",
            [format!("{{\"pad\":\"{}\"}}", "o".repeat(1800))],
        )?;
        for i in 0..MEMBERS {
            tx.execute(
                "INSERT INTO members VALUES (?, 'org-0', ?)",
                [format!("member-{i}"), member_data(i)],
            )?;
        }
        tx.commit()?;
        Ok(())
    })
    .await?
}

pub async fn compare(spec: Spec) -> anyhow::Result<Vec<TxResult>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("tx.db");
    prepare(&path).await?;
    Ok(vec![
        TxResult {
            name: "sqlx, async mutex, 8-connection pool (the mock before issue 16)",
            note: "one worker-thread round trip per statement",
            summary: sqlx_variant(&path, spec, false).await?,
        },
        TxResult {
            name: "same + PRAGMA mmap_size = 256 MiB",
            note: "one-line change in db.rs",
            summary: sqlx_variant(&path, spec, true).await?,
        },
        TxResult {
            name: "rusqlite on one writer thread, whole transaction per hand-off",
            note: "still a single writer, same statements",
            summary: rusqlite_variant(&path, spec).await?,
        },
    ])
}
