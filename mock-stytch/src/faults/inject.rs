//! The middleware that applies a fault hit, a route layer inside [`crate::http::buffer_body`]
//! (the body is already in memory) and inside the guarded routes' Basic-auth check (bad
//! credentials are a 401 whatever matches); the open JWKS route has it too. Never applies to
//! `/_mock/*`.
//!
//! `error`, `too_many_requests` and `drop` decide before the handler runs, so nothing is
//! written; `delay` sleeps, then the handler runs normally; `lose_answer` runs the handler to
//! its end (a handler's write is committed before it returns its answer, [`crate::db`]) and
//! then throws the answer away. "No answer" is a response whose body fails on its first poll:
//! hyper then drops the connection before flushing the status line, so the client reads zero
//! bytes (plain HTTP and `--tls` alike, both served by `axum::serve`). Every hit leaves a
//! [`FaultMark`] on the response, which [`crate::http::envelope`] writes into the request log.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body as AxumBody, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use super::FaultAction;
use crate::error::{ApiError, catalog};
use crate::state::AppState;

/// Which rule faulted a request, as the request log shows it (`fault: {rule, kind}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FaultMark {
    pub rule: String,
    pub kind: &'static str,
    /// The client got no answer (`drop`, `lose_answer`); the response must reach hyper as is.
    #[serde(skip)]
    pub unanswered: bool,
    /// For `lose_answer`: the status the handler answered before the answer was thrown away.
    #[serde(skip)]
    pub handled_status: Option<u16>,
}

pub async fn inject(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if path == "/_mock" || path.starts_with("/_mock/") || state.faults.is_empty() {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    // Already buffered by `buffer_body` (at most its limit), so this only joins the bytes.
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let hit = state.faults.decide(&parts.method, parts.uri.path(), &bytes);
    let req = Request::from_parts(parts, AxumBody::from(bytes));
    let Some(hit) = hit else {
        return next.run(req).await;
    };
    let mut mark = FaultMark {
        rule: hit.rule_id,
        kind: hit.action.kind(),
        unanswered: false,
        handled_status: None,
    };
    tracing::info!(rule = %mark.rule, kind = mark.kind, "fault injected");
    let mut resp = match hit.action {
        FaultAction::Error { .. } => hit.error.unwrap_or_else(ApiError::internal).into_response(),
        FaultAction::TooManyRequests => ApiError::of(*catalog::too_many_requests()).into_response(),
        FaultAction::Delay { ms } => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            next.run(req).await
        }
        FaultAction::Drop => {
            mark.unanswered = true;
            no_answer()
        }
        FaultAction::LoseAnswer => {
            let handled = next.run(req).await;
            mark.unanswered = true;
            mark.handled_status = Some(handled.status().as_u16());
            no_answer()
        }
    };
    resp.extensions_mut().insert(mark);
    resp
}

/// A response hyper never sends: its body fails on the first poll, before the head is flushed.
fn no_answer() -> Response {
    Response::new(AxumBody::new(Unanswered))
}

struct Unanswered;

impl HttpBody for Unanswered {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        Poll::Ready(Some(Err(std::io::Error::other(
            "fault injected: the connection is closed without an answer",
        ))))
    }
}
