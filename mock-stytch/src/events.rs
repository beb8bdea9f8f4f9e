//! Change notifications for the dashboard's live view (`GET /_mock/ui/events`, server-sent
//! events; [`crate::routes::ui`]).
//!
//! Why SSE and not polling: a poll every second is a logged request every second, which would
//! fill the request log (and the "last requests" panel it feeds) with the dashboard's own
//! traffic; one SSE connection is one request, and the page hears of a change within
//! [`COALESCE`] instead of up to a poll period later.
//!
//! What is watched: one change counter, bumped by [`Events::notify`] from
//! [`crate::state::AppState::log_request`]. Every change the dashboard shows — an outbox
//! message, a session, a fault added, removed or hit, the clock moved, a reset, a restore, a
//! fixture load — is made by a request, and a request is logged only after its handler
//! returned (its write committed), so that one hook sees them all, in order, after the fact.
//! The dashboard's own reads (`GET /_mock/ui…`) do not bump it (the page re-reading itself
//! must not wake itself up). Real time passing (TOTP windows) is not an event.
//!
//! Must never do more on the request path than [`Events::notify`]: one atomic add, and only
//! while a dashboard listens a `Notify` wake-up; no lock of ours is held, nothing allocates,
//! nothing awaits. (A `tokio::sync::watch` send was the first version: measured at ~0.5–1 µs a
//! request — it takes a lock and wakes eight `Notify`s — against ~30–120 ns for the request-log
//! push it follows; in the same runs the counter added ~10–40 ns with no dashboard open and
//! ~120 ns with one open.) [`Events::close`] ends every stream at shutdown, so a browser tab
//! left open cannot hold a graceful shutdown forever.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use axum::response::sse::Event;
use futures_util::Stream;
use tokio::sync::Notify;

/// Least time between two events of one stream: a burst of requests becomes one re-render.
pub const COALESCE: Duration = Duration::from_millis(150);

/// The change counter and its listeners; cheap to clone (one `Arc`).
#[derive(Debug, Clone, Default)]
pub struct Events(Arc<Shared>);

#[derive(Debug, Default)]
struct Shared {
    changes: AtomicU64,
    closing: AtomicBool,
    /// Open streams: `notify` wakes anyone only when there is someone.
    listeners: AtomicUsize,
    wake: Notify,
}

impl Events {
    /// Something the dashboard shows changed (and is committed).
    pub fn notify(&self) {
        self.0.changes.fetch_add(1, SeqCst);
        // SeqCst pairs with `Listener::new` then `next_change`: either this load sees the new
        // listener, or that listener's first counter read sees this change.
        if self.0.listeners.load(SeqCst) > 0 {
            self.0.wake.notify_waiters();
        }
    }

    /// The mock is stopping: every stream ends, and new ones end at once.
    pub fn close(&self) {
        self.0.closing.store(true, SeqCst);
        self.0.wake.notify_waiters();
    }

    /// The number of changes so far (what a rendered page says it shows).
    pub fn current(&self) -> u64 {
        self.0.changes.load(SeqCst)
    }

    /// A stream of `change` events (id and data: the change count). With `since` (the count the
    /// client last saw: the page's `data-version`, or `Last-Event-ID` on a reconnect) different
    /// from the current count, the first event comes at once, so nothing between the page's
    /// render and the stream's start is missed; without it, the first change after now.
    pub fn stream(
        &self,
        since: Option<u64>,
    ) -> impl Stream<Item = Result<Event, Infallible>> + use<> {
        let listener = Listener::new(self.0.clone());
        let seen = since.unwrap_or_else(|| self.current());
        futures_util::stream::unfold(
            (listener, seen, false),
            |(listener, seen, after_event)| async move {
                if after_event {
                    tokio::time::sleep(COALESCE).await;
                }
                let now = listener.next_change(seen).await?;
                let n = now.to_string();
                let event = Event::default().event("change").id(&n).data(n);
                Some((Ok(event), (listener, now, true)))
            },
        )
    }
}

/// One open stream, counted in `listeners` while it lives.
struct Listener(Arc<Shared>);

impl Listener {
    fn new(shared: Arc<Shared>) -> Listener {
        shared.listeners.fetch_add(1, SeqCst);
        Listener(shared)
    }

    /// The change count once it differs from `seen`; `None` when the mock is closing.
    async fn next_change(&self, seen: u64) -> Option<u64> {
        loop {
            let notified = self.0.wake.notified();
            tokio::pin!(notified);
            // Registered before the checks, so a wake-up between them is not lost.
            notified.as_mut().enable();
            if self.0.closing.load(SeqCst) {
                return None;
            }
            let now = self.0.changes.load(SeqCst);
            if now != seen {
                return Some(now);
            }
            notified.await;
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.0.listeners.fetch_sub(1, SeqCst);
    }
}

/// The dashboard reading itself: such requests do not count as a change.
pub fn is_dashboard_read(method: &str, path: &str) -> bool {
    method == "GET" && (path == "/_mock/ui" || path.starts_with("/_mock/ui/"))
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt;

    use super::*;

    #[tokio::test]
    async fn a_change_is_one_event_and_close_ends_the_stream() {
        let events = Events::default();
        let mut s = Box::pin(events.stream(None));
        events.notify();
        events.notify();
        let first = tokio::time::timeout(Duration::from_secs(2), s.next()).await;
        assert!(matches!(first, Ok(Some(Ok(_)))), "an event after a change");
        events.close();
        let end = tokio::time::timeout(Duration::from_secs(2), s.next()).await;
        assert!(matches!(end, Ok(None)), "close ends the stream");
        let mut late = Box::pin(events.stream(Some(0)));
        assert!(
            late.next().await.is_none(),
            "a stream opened after close ends"
        );
    }

    #[tokio::test]
    async fn a_stale_since_gets_an_event_at_once_and_a_current_one_waits() {
        let events = Events::default();
        events.notify();
        let mut stale = Box::pin(events.stream(Some(0)));
        let got = tokio::time::timeout(Duration::from_secs(2), stale.next()).await;
        assert!(matches!(got, Ok(Some(Ok(_)))));
        let mut current = Box::pin(events.stream(Some(events.current())));
        let waited = tokio::time::timeout(Duration::from_millis(300), current.next()).await;
        assert!(waited.is_err(), "no change, no event");
    }

    #[tokio::test]
    async fn a_dropped_stream_stops_counting_as_a_listener() {
        let events = Events::default();
        let s = events.stream(None);
        assert_eq!(events.0.listeners.load(SeqCst), 1);
        drop(s);
        assert_eq!(events.0.listeners.load(SeqCst), 0);
    }

    #[test]
    fn only_the_dashboards_reads_are_not_changes() {
        assert!(is_dashboard_read("GET", "/_mock/ui"));
        assert!(is_dashboard_read("GET", "/_mock/ui/events"));
        assert!(!is_dashboard_read("POST", "/_mock/ui/faults"));
        assert!(!is_dashboard_read("GET", "/_mock/outbox"));
        assert!(!is_dashboard_read("GET", "/_mock/uix"));
    }
}
