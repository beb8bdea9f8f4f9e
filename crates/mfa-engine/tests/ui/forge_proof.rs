// Breaks if: `FactorVerified`'s fields were public — `pub` on its four fields (flow_id, session,
// session_expires_at, kind) in src/proof.rs would make this compile.
// Rule: a proof is made only by the code that checked Stytch's answer, never by a caller.
#![allow(unreachable_code)] // `todo!()` stands for any value; only the privacy error matters
use mfa_engine::{FactorVerified, Sms};

fn main() {
    let _proof: FactorVerified<Sms> = FactorVerified {
        flow_id: todo!(),
        session: todo!(),
        session_expires_at: todo!(),
        kind: todo!(),
    };
}
