// Breaks if: the TOTP-only block were generic — `impl LoginFlow<ChallengePending<Totp>> {` →
// `impl<M: Method> LoginFlow<ChallengePending<M>> {` (the "TOTP challenge only" block in
// src/flow/challenge.rs) would make this compile.
// Rule: a recovery code stands in for TOTP, so it completes only a TOTP challenge.
use mfa_engine::{ChallengePending, FactorVerified, LoginFlow, RecoveryCode, Sms};

fn finish(flow: LoginFlow<ChallengePending<Sms>>, proof: FactorVerified<RecoveryCode>) {
    let _ = flow.recover(proof);
}

fn main() {}
