// Breaks if: `complete` took any proof — `proof: FactorVerified<M>,` →
// `proof: FactorVerified<impl crate::kind::ProofKind>,` in `complete` (src/flow/challenge.rs)
// would make this compile.
// Rule: a challenge is completed only by a proof of its own method.
use mfa_engine::{ChallengePending, FactorVerified, LoginFlow, Sms, Totp};

fn finish(flow: LoginFlow<ChallengePending<Sms>>, proof: FactorVerified<Totp>) {
    let _ = flow.complete(proof);
}

fn main() {}
