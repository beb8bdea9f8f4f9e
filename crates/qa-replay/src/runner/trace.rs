//! The per-step trace: what each step did and the `METHOD path status request_id` lines of the
//! API calls it made with their redacted bodies, read from the mock's request log. The trace
//! only observes; it must never change the run's state or the verdict, and control-API calls
//! are left out of it.

use super::Run;

#[derive(Debug, Clone)]
pub struct StepTrace {
    /// 1-based step number in the file.
    pub number: usize,
    pub label: String,
    /// What happened: the engine state after the step, or the error.
    pub outcome: String,
    /// The API calls the step made (mock targets), oldest first.
    pub requests: Vec<RequestTrace>,
}

/// One API call of a step, as the mock's request log has it.
#[derive(Debug, Clone)]
pub struct RequestTrace {
    /// `METHOD path status request_id`.
    pub line: String,
    /// The request body as the log keeps it: every possible secret already `"[redacted]"` by
    /// the mock (`null` without a body).
    pub body: Option<String>,
}

impl Run {
    /// API requests since the last call (mock targets only), oldest first.
    pub(super) async fn new_requests(&mut self) -> Vec<RequestTrace> {
        if !self.conn.control {
            return vec![];
        }
        let Ok(log) = self.control.requests(200).await else {
            return vec![];
        };
        let mut out = Vec::new();
        for r in log.into_iter().rev() {
            if r.request_id.is_empty()
                || !self.seen_requests.insert(r.request_id.clone())
                || r.path.starts_with("/_mock")
            {
                continue;
            }
            let body = match &r.body {
                serde_json::Value::Null => None,
                b => Some(serde_json::to_string_pretty(b).unwrap_or_default()),
            };
            out.push(RequestTrace {
                line: format!("{} {} {} {}", r.method, r.path, r.status, r.request_id),
                body,
            });
        }
        out
    }
}
