// Breaks if: `confirm` took any proof — `proof: FactorVerified<M>,` →
// `proof: FactorVerified<impl crate::kind::ProofKind>,` in `confirm` (src/flow/enrollment.rs)
// would make this compile.
// Rule: an enrollment is confirmed only by a code of the method being enrolled.
use mfa_engine::{EnrollmentCodePending, FactorVerified, LoginFlow, Sms, Totp};

fn finish(flow: LoginFlow<EnrollmentCodePending<Sms>>, proof: FactorVerified<Totp>) {
    let _ = flow.confirm(proof);
}

fn main() {}
