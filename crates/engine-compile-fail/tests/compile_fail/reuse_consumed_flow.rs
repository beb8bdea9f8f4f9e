// Transitions consume the flow: the old state cannot be used after it moved on.
use mfa_engine::{ChallengePending, FactorVerified, LoginFlow};

fn double_spend(flow: LoginFlow<ChallengePending>, proof: FactorVerified) {
    let _session = flow.complete(proof);
    let _again = flow.record_failure(5);
}

fn main() {}
