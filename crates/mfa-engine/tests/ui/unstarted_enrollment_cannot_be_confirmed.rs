// Breaks if: the not-yet-started state had a `confirm` — adding the one line
// `pub fn confirm(self, p: FactorVerified<Sms>) -> Result<LoginFlow<MemberSession>, TransitionError> { from_proof(&self.core, p) }`
// to `impl LoginFlow<EnrollmentPending>` in src/flow/enrollment.rs would make this compile.
// Rule: nothing was sent yet, so there is no code to confirm (once a runtime error).
use mfa_engine::{EnrollmentPending, FactorVerified, LoginFlow, Sms};

fn finish(flow: LoginFlow<EnrollmentPending>, proof: FactorVerified<Sms>) {
    let _ = flow.confirm(proof);
}

fn main() {}
