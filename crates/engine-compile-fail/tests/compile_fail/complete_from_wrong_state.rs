// `complete` exists only on `LoginFlow<ChallengePending>`: an enrollment is confirmed, not
// completed, and a flow that just finished primary auth must be routed first.
use mfa_engine::{FactorVerified, LoginFlow, PrimaryAuthed};

fn finish(flow: LoginFlow<PrimaryAuthed>, proof: FactorVerified) {
    let _ = flow.complete(proof);
}

fn main() {}
