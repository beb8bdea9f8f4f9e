//! `expect: model`: compare the reference model's prediction for this matrix case with what the
//! engine and the server answered. A mismatch names the combination, the prediction, the answer
//! and the request ids of the step judged, so a reader can tell whether the model or the server
//! is wrong. Only reads the run; never decides which side is right.

use mfa_engine::{LoginStep, MethodSet, MfaMethod};
use policy_matrix::Methods;

use super::Run;
use crate::scenario::predict::{model_point, predict};

fn same(want: Methods, got: MethodSet) -> bool {
    want.sms == got.contains(MfaMethod::Sms) && want.totp == got.contains(MfaMethod::Totp)
}

fn label(set: MethodSet) -> String {
    let names: Vec<&str> = set.iter().map(MfaMethod::as_str).collect();
    format!("[{}]", names.join(","))
}

impl Run {
    pub(super) fn check_model(&self, index: usize, problems: &mut Vec<String>) {
        let (Some(case), Some(point)) = (&self.case, model_point(&self.scenario, index)) else {
            problems
                .push("expect: model outside a matrix case or after a step without a rule".into());
            return;
        };
        let want = predict(point, &case.combination);
        let got_error = self.last_error.as_ref().map(|(t, _)| t.as_str());
        let mut agree = want.error == got_error && want.state == self.state;
        match &self.last_step {
            Some(LoginStep::Challenge(p)) => {
                agree &= want.method.is_none_or(|m| m.engine() == p.method);
                agree &= want.sms_sent.is_none_or(|s| s == p.sms_sent);
                agree &= want.methods.is_none_or(|m| same(m, p.available));
            }
            Some(LoginStep::Enroll(p)) => {
                agree &= want.methods.is_none_or(|m| same(m, p.offered));
            }
            _ => {}
        }
        if !agree {
            let requests = if self.last_requests.is_empty() {
                "none logged".to_owned()
            } else {
                self.last_requests.join("; ")
            };
            problems.push(format!(
                "model mismatch for [{}]\n      model predicts: {want}\n      answer:         {}\n      requests:       {requests}",
                case.label,
                self.answer()
            ));
        }
    }

    /// The step's outcome in the prediction's terms.
    fn answer(&self) -> String {
        let mut out = String::new();
        if let Some((t, m)) = &self.last_error {
            out.push_str(&format!("error {t} ({m}), "));
        }
        out.push_str(&format!("state {}", self.state.as_str()));
        match &self.last_step {
            Some(LoginStep::Challenge(p)) => out.push_str(&format!(
                ", method {}, sms_sent {}, available {}",
                p.method.as_str(),
                p.sms_sent,
                label(p.available)
            )),
            Some(LoginStep::Enroll(p)) => out.push_str(&format!(", offered {}", label(p.offered))),
            _ => {}
        }
        out
    }
}
