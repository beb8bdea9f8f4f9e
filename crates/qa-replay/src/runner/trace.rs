//! The per-step trace: what each step did and the `METHOD path status request_id` lines of the
//! API calls it made, read from the mock's request log. The trace only observes; it must never
//! change the run's state or the verdict, and control-API calls are left out of it.

use super::Run;

#[derive(Debug, Clone)]
pub struct StepTrace {
    /// 1-based step number in the file.
    pub number: usize,
    pub label: String,
    /// What happened: the engine state after the step, or the error.
    pub outcome: String,
    /// `METHOD path status request_id` of the API calls the step made (mock targets).
    pub requests: Vec<String>,
}

impl Run {
    /// API requests since the last call (mock targets only), oldest first.
    pub(super) async fn new_requests(&mut self) -> Vec<String> {
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
            out.push(format!(
                "{} {} {} {}",
                r.method, r.path, r.status, r.request_id
            ));
        }
        out
    }
}
