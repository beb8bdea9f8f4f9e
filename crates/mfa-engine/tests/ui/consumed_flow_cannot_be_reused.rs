// Breaks if: a transition borrowed its flow — `pub fn complete(self,` → `pub fn complete(&self,`
// in src/flow/challenge.rs would make this compile.
// Rule: transitions consume the flow, so one challenge cannot be completed twice.
use mfa_engine::{ChallengePending, FactorVerified, LoginFlow, Sms};

fn double_spend(
    flow: LoginFlow<ChallengePending<Sms>>,
    first: FactorVerified<Sms>,
    second: FactorVerified<Sms>,
) {
    let _session = flow.complete(first);
    let _again = flow.complete(second);
}

fn main() {}
