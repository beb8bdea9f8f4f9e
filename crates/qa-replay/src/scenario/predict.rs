//! What the reference model (`policy_matrix::model`) predicts at an `expect: model` of a matrix
//! case, and which steps a case reaches (an `only_if_model` guard ends the cases whose
//! prediction is elsewhere). Pure: a prediction depends on the combination and the file only,
//! so the loader, the runner and the "not runnable" classification agree by construction.
//! Must never read the mock's or the engine's answer: that is the runner's to compare.

use std::fmt;

use policy_matrix::{Combination, EngineStep, Methods};

use super::{Method, Scenario, State, Step, Via};

/// Which engine step an `expect: model` judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelPoint {
    /// The matrix member's primary login (`policy_matrix::decide`).
    Login,
    /// `step_up` from the session (`policy_matrix::step_up`).
    StepUp,
}

/// The model's expectation of one step, in the scenario's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prediction {
    pub state: State,
    /// The engine's error type, when the model says the step fails.
    pub error: Option<&'static str>,
    pub method: Option<Method>,
    pub sms_sent: Option<bool>,
    /// Offered methods (enroll) or available ones (challenge).
    pub methods: Option<Methods>,
}

impl fmt::Display for Prediction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(e) = self.error {
            write!(f, "error {e}, ")?;
        }
        write!(f, "state {}", self.state.as_str())?;
        if let Some(m) = self.method {
            write!(f, ", method {}", m.engine().as_str())?;
        }
        if let Some(s) = self.sms_sent {
            write!(f, ", sms_sent {s}")?;
        }
        if let Some(m) = self.methods {
            let what = if self.state == State::Enroll {
                "offered"
            } else {
                "available"
            };
            write!(f, ", {what} {}", m.label())?;
        }
        Ok(())
    }
}

fn method(name: &str) -> Method {
    if name == "totp" {
        Method::Totp
    } else {
        Method::SmsOtp
    }
}

fn from_step(step: &EngineStep) -> Prediction {
    let p = Prediction {
        state: State::None,
        error: None,
        method: None,
        sms_sent: None,
        methods: None,
    };
    match step {
        EngineStep::SignedIn => Prediction {
            state: State::SignedIn,
            ..p
        },
        EngineStep::Enroll { offered } => Prediction {
            state: State::Enroll,
            methods: Some(*offered),
            ..p
        },
        EngineStep::Challenge {
            method: m,
            available,
            sms_sent,
            ..
        } => Prediction {
            state: State::Challenge,
            method: Some(method(m)),
            sms_sent: Some(*sms_sent),
            methods: Some(*available),
            ..p
        },
        EngineStep::PrimaryRequired => Prediction {
            state: State::None,
            error: Some("primary_required"),
            ..p
        },
    }
}

pub fn predict(point: ModelPoint, c: &Combination) -> Prediction {
    match point {
        ModelPoint::Login => from_step(&policy_matrix::decide(c).engine),
        ModelPoint::StepUp => match policy_matrix::step_up(c) {
            Some(step) => from_step(&step),
            // The session stays; the engine refuses the transition.
            None => Prediction {
                state: State::SignedIn,
                error: Some("nothing_to_offer"),
                method: None,
                sms_sent: None,
                methods: None,
            },
        },
    }
}

/// The step an `expect` at `index` judges, if the model has a rule for it: the nearest action
/// step before it must be the matrix member's login (via the matrix entry) or a `step_up`.
pub fn model_point(s: &Scenario, index: usize) -> Option<ModelPoint> {
    let m = s.matrix.as_ref()?;
    let action = s.steps[..index]
        .iter()
        .rev()
        .find(|st| !matches!(st, Step::Expect(_)))?;
    match action {
        Step::Login(l) if l.member == m.member && l.via == Via::Matrix => Some(ModelPoint::Login),
        Step::StepUp => Some(ModelPoint::StepUp),
        _ => None,
    }
}

/// Where a case stops: the number of steps it runs, and, when a guard ended it early, why.
pub fn reach(template: &Scenario, c: Option<&Combination>) -> (usize, Option<String>) {
    let total = template.steps.len();
    let Some(c) = c else {
        return (total, None);
    };
    let mut last: Option<Prediction> = None;
    for (i, step) in template.steps.iter().enumerate() {
        match step {
            Step::Expect(e) if e.model => {
                last = model_point(template, i).map(|p| predict(p, c));
            }
            Step::OnlyIfModel(states) => {
                let state = last.as_ref().map(|p| p.state);
                if !state.is_some_and(|s| states.contains(&s)) {
                    let said = last
                        .as_ref()
                        .map_or("nothing".to_owned(), |p| p.to_string());
                    return (
                        i + 1,
                        Some(format!(
                            "the model predicts {said}: the remaining {} step(s) do not apply",
                            total - i - 1
                        )),
                    );
                }
            }
            _ => {}
        }
    }
    (total, None)
}
