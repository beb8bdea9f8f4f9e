//! The virtual clock: every expiry, timestamp and TOTP window reads it, never the OS clock.
//!
//! `now = base + offset`, where `base` is real time (default) or a frozen instant, and the
//! offset is what `/_mock/clock` moves. Whole seconds only, like Stytch's timestamps.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

#[derive(Debug)]
pub struct Clock {
    frozen: Option<DateTime<Utc>>,
    offset_seconds: AtomicI64,
}

impl Clock {
    pub fn new(frozen: Option<DateTime<Utc>>, offset_seconds: i64) -> Clock {
        Clock {
            frozen,
            offset_seconds: AtomicI64::new(offset_seconds),
        }
    }

    fn base(&self) -> i64 {
        match self.frozen {
            Some(t) => t.timestamp(),
            None => Utc::now().timestamp(),
        }
    }

    /// Current virtual time in epoch seconds.
    pub fn now_ts(&self) -> i64 {
        self.base() + self.offset_seconds.load(Ordering::SeqCst)
    }

    pub fn now(&self) -> DateTime<Utc> {
        from_ts(self.now_ts())
    }

    pub fn offset(&self) -> i64 {
        self.offset_seconds.load(Ordering::SeqCst)
    }

    /// Move forward (or back, for negative values); returns the new offset.
    pub fn advance(&self, seconds: i64) -> i64 {
        self.offset_seconds.fetch_add(seconds, Ordering::SeqCst) + seconds
    }

    /// Jump to an instant; returns the new offset.
    pub fn set(&self, at: DateTime<Utc>) -> i64 {
        let offset = at.timestamp() - self.base();
        self.offset_seconds.store(offset, Ordering::SeqCst);
        offset
    }

    pub fn set_offset(&self, offset: i64) {
        self.offset_seconds.store(offset, Ordering::SeqCst);
    }
}

/// Epoch seconds to a UTC instant (out-of-range values clamp to the epoch).
pub fn from_ts(ts: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(ts, 0).single().unwrap_or_default()
}

/// Stytch's timestamp format: RFC 3339, UTC, whole seconds, `Z`.
pub fn rfc3339(ts: i64) -> String {
    from_ts(ts).to_rfc3339_opts(SecondsFormat::Secs, true)
}
