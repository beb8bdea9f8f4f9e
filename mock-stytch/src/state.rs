//! What every handler shares: configuration, database, virtual clock, id generator, request log.
//!
//! Opening the state restores what must survive a restart (seed, id counter, clock offset) from
//! the `meta` table, after `--restore` replaced it by a snapshot's ([`crate::snapshot`]). Handlers get an [`AppState`] (cheap to clone) and must not keep their own
//! copies of persisted facts.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::clock::Clock;
use crate::config::Config;
use crate::db::{Db, get_meta, set_meta};
use crate::events::{Events, is_dashboard_read};
use crate::faults::Faults;
use crate::ids::Ids;
use crate::jwt::SigningKey;

/// How many recent requests `/_mock/requests` can show.
pub const REQUEST_LOG_CAPACITY: usize = 1000;

#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    pub config: Config,
    pub db: Db,
    pub clock: Clock,
    pub ids: Ids,
    /// Recent requests, newest last: method, path, status, ids and the body with every
    /// non-allow-listed value redacted ([`crate::redact`]); never a raw body.
    pub request_log: Mutex<VecDeque<LogEntry>>,
    /// The exact `Authorization` header value that authenticates, precomputed.
    pub expected_authorization: String,
    /// Signs session JWTs; its public half is served as the JWKS. On a fresh database it is
    /// still being generated for a moment after startup (see [`crate::jwt`]).
    pub signing: SigningKey,
    /// The fault rules (`/_mock/faults`); in memory only, cleared by a restart and a reset.
    pub faults: Faults,
    /// Tells the dashboard's live view that something changed ([`crate::events`]).
    pub events: Events,
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct LogEntry {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub request_id: String,
    pub received_at: String,
    pub duration_us: u64,
    /// The JSON body with secrets replaced by `"[redacted]"` (for scenario recording); `null`
    /// when there was no body. Bounded in size, see [`crate::redact`].
    pub body: Option<serde_json::Value>,
    /// The JSON answer as sent (a reference to the same bytes); `None` for answers that are not
    /// the mock's JSON (the dashboard's HTML). Never served as it is: `/_mock/requests.har`
    /// redacts it with the same allow-list when asked ([`crate::redact::answer_for_log`]), so
    /// the request path pays for no redaction; `/_mock/requests` leaves it out.
    #[serde(skip_serializing)]
    pub answer: Option<axum::body::Bytes>,
    /// The fault rule that hit this request (`{rule, kind}`), if one did ([`crate::faults`]).
    /// With `drop` the status is `0` (nothing was answered); with `lose_answer` it is the
    /// status the handler answered before the answer was thrown away.
    pub fault: Option<crate::faults::inject::FaultMark>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub async fn open(config: Config) -> anyhow::Result<AppState> {
        let db = Db::open(&config.db).await?;
        let restored = match &config.restore {
            Some(file) => Some(crate::snapshot::restore_at_start(&db, file, config.seed).await?),
            None => None,
        };
        // A snapshot's request-id position: its boot goes on where the snapshot stood.
        let resume = restored.and_then(|m| m.requests.map(|n| (m.boot, n)));
        // Through the writer like every write: the restored facts and the new boot number are
        // one unit, committed before the first request is served.
        let mut conn = db.write().await?;

        let stored_seed = get_meta(&mut conn, "seed").await?;
        let seed = match (stored_seed, config.seed) {
            (Some(stored), Some(wanted)) if stored != wanted.to_string() => anyhow::bail!(
                "the database was created with seed {stored}, but --seed {wanted} was given; \
                 use another --db file or omit --seed"
            ),
            (Some(stored), _) => stored.parse()?,
            (None, Some(wanted)) => wanted,
            (None, None) => random_seed(),
        };
        set_meta(&mut conn, "seed", &seed.to_string()).await?;
        let boot: u64 = match (resume, get_meta(&mut conn, "boot").await?) {
            (Some((boot, _)), _) => boot,
            (None, Some(b)) => b.parse::<u64>()? + 1,
            (None, None) => 1,
        };
        set_meta(&mut conn, "boot", &boot.to_string()).await?;
        let counter: u64 = get_meta(&mut conn, "id_counter")
            .await?
            .map(|c| c.parse())
            .transpose()?
            .unwrap_or(0);
        let offset: i64 = get_meta(&mut conn, "clock_offset")
            .await?
            .map(|c| c.parse())
            .transpose()?
            .unwrap_or(0);
        let ids = Ids::new(seed, boot, counter);
        if let Some((boot, requests)) = resume {
            ids.rewind(boot, counter, requests);
        }
        let (signing, pending) = SigningKey::load(&mut conn, &ids).await?;
        conn.commit(&ids).await?;

        let expected_authorization = format!(
            "Basic {}",
            STANDARD.encode(format!("{}:{}", config.project_id, config.secret))
        );
        let state = AppState(Arc::new(Inner {
            clock: Clock::new(config.frozen_clock, offset),
            ids,
            signing,
            config,
            db,
            request_log: Mutex::new(VecDeque::with_capacity(REQUEST_LOG_CAPACITY)),
            expected_authorization,
            faults: Faults::default(),
            events: Events::default(),
        }));
        if pending {
            SigningKey::generate_in_background(state.clone());
        }
        Ok(state)
    }

    pub async fn close(&self) {
        self.db.close().await;
    }

    /// Keep `entry` and, unless it is the dashboard reading itself, tell the live view (after
    /// the log's lock is released: a notification holds no lock of ours).
    pub fn log_request(&self, entry: LogEntry) {
        let change = !is_dashboard_read(&entry.method, &entry.path);
        {
            let mut log = self.request_log.lock().unwrap_or_else(|p| p.into_inner());
            if log.len() == REQUEST_LOG_CAPACITY {
                log.pop_front();
            }
            log.push_back(entry);
        }
        if change {
            self.events.notify();
        }
    }
}

/// A seed for a run without `--seed`: from the OS's randomness via std's hasher keys.
fn random_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}
