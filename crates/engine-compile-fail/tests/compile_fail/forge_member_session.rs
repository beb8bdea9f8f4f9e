// A MemberSession (and the proof that leads to one) cannot be built outside the engine.
use mfa_engine::{FactorVerified, MemberSession};

fn main() {
    let _state = MemberSession {};
    let _proof = FactorVerified {};
}
