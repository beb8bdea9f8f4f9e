// Breaks if: the SMS-only block were generic — `impl LoginFlow<ChallengePending<Sms>> {` →
// `impl<M: Method> LoginFlow<ChallengePending<M>> {` (the "SMS challenge only" block in
// src/flow/challenge.rs) would make this compile.
// Rule: "an SMS code was sent" exists only on an SMS challenge.
use mfa_engine::{ChallengePending, LoginFlow, Totp};

fn resend(flow: LoginFlow<ChallengePending<Totp>>) {
    let _ = flow.sms_code_sent();
}

fn main() {}
