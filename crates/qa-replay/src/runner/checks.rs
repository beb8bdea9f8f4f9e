//! The `expect` checks: compare what a scenario expects (error type, state, challenge details,
//! attempts left, member fields) with what the engine and Stytch report now (`expect: model`
//! is compared in `model_check`). Each check only
//! reads: it must never perform a step or change the run's state, and every mismatch is
//! reported (collected and joined), never skipped.

use mfa_engine::LoginStep;

use super::Run;
use crate::scenario::{Expect, MemberExpect, State};

impl Run {
    /// `index`: the expect's position in the scenario (an `expect: model` judges the step
    /// before it).
    pub(super) async fn check(&mut self, e: &Expect, index: usize) -> Result<(), String> {
        let mut problems = Vec::new();
        if e.model {
            self.check_model(index, &mut problems);
        }
        // With `model` and no written `error`, the model's prediction judges the error.
        if !(e.model && e.error.is_none()) {
            self.check_error(e, &mut problems);
        }
        self.check_state(e, &mut problems);
        self.check_challenge(e, &mut problems);
        self.check_attempts_left(e, &mut problems);
        if let Some(me) = &e.member {
            self.check_member(me, &mut problems).await?;
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// The last step's error against the one expected (none expected: none allowed).
    fn check_error(&self, e: &Expect, problems: &mut Vec<String>) {
        match (&e.error, &self.last_error) {
            (Some(want), Some((got, msg))) if want != got => {
                problems.push(format!("error: expected `{want}`, got `{got}` ({msg})"))
            }
            (Some(want), None) => {
                problems.push(format!("error: expected `{want}`, but the step succeeded"))
            }
            (None, Some((got, msg))) => problems.push(format!("unexpected error `{got}`: {msg}")),
            _ => {}
        }
    }

    fn check_state(&self, e: &Expect, problems: &mut Vec<String>) {
        if let Some(want) = e.state
            && want != self.state
        {
            problems.push(format!(
                "state: expected {}, got {}",
                want.as_str(),
                self.describe()
            ));
        }
        if let Some(want) = e.member_authenticated {
            let got = self.state == State::SignedIn;
            if want != got {
                problems.push(format!(
                    "member_authenticated: expected {want}, got {got} (state {})",
                    self.describe()
                ));
            }
        }
    }

    /// `method` and `sms_sent` describe a challenge; in any other state they are a mismatch.
    fn check_challenge(&self, e: &Expect, problems: &mut Vec<String>) {
        if e.method.is_none() && e.sms_sent.is_none() {
            return;
        }
        match &self.last_step {
            Some(LoginStep::Challenge(p)) => {
                if let Some(want) = e.method
                    && want.engine() != p.method
                {
                    problems.push(format!(
                        "method: expected {want:?}, got {}",
                        p.method.as_str()
                    ));
                }
                if let Some(want) = e.sms_sent
                    && want != p.sms_sent
                {
                    problems.push(format!("sms_sent: expected {want}, got {}", p.sms_sent));
                }
            }
            _ => problems.push(format!(
                "method/sms_sent need a challenge, state is {}",
                self.describe()
            )),
        }
    }

    fn check_attempts_left(&self, e: &Expect, problems: &mut Vec<String>) {
        if let Some(want) = e.attempts_left {
            let got = match &self.last_step {
                Some(LoginStep::Challenge(p)) => Some(p.attempts_left),
                Some(LoginStep::Enroll(p)) => Some(p.attempts_left),
                _ => None,
            };
            if got != Some(want) {
                problems.push(format!("attempts_left: expected {want}, got {got:?}"));
            }
        }
    }

    /// The member's fields as Stytch reports them. An unknown member alias fails the whole
    /// `expect` with that message alone (`Err`); mismatches are added to `problems`.
    async fn check_member(
        &self,
        me: &MemberExpect,
        problems: &mut Vec<String>,
    ) -> Result<(), String> {
        let Some(alias) = me.name.clone().or_else(|| self.flow_member.clone()) else {
            problems.push("member: no member named and no current flow".into());
            return Ok(());
        };
        let (org_id, member_id) = match self.member(&alias) {
            Ok(m) => (m.org_id.clone(), m.member_id.clone()),
            Err((_, m)) => return Err(m),
        };
        let m = match self.admin.members_get(&org_id, &member_id).await {
            Err(err) => {
                problems.push(format!("member {alias}: lookup failed: {err}"));
                return Ok(());
            }
            Ok(resp) => resp.member,
        };
        let mut cmp = |field: &str, want: Option<String>, got: String| {
            if let Some(want) = want
                && want != got
            {
                problems.push(format!(
                    "member {alias}.{field}: expected {want}, got {got}"
                ));
            }
        };
        cmp(
            "mfa_enrolled",
            me.mfa_enrolled.map(|b| b.to_string()),
            m.mfa_enrolled.to_string(),
        );
        cmp(
            "default_mfa_method",
            me.default_mfa_method.clone(),
            m.default_mfa_method
                .map_or("none".to_owned(), |d| d.as_str().to_owned()),
        );
        cmp(
            "phone_verified",
            me.phone_verified.map(|b| b.to_string()),
            m.mfa_phone_number_verified.to_string(),
        );
        cmp(
            "totp_registered",
            me.totp_registered.map(|b| b.to_string()),
            m.totp_registration_id.is_some().to_string(),
        );
        Ok(())
    }
}
