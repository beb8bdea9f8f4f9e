// Breaks if: `ProofKind` lost its seal — deleting `sealed::Sealed + ` from
// `pub trait ProofKind: sealed::Sealed + ...` in src/kind.rs would make this compile.
// Rule: no other crate adds an MFA method (and with it a `ChallengePending<Fax>` state).
use mfa_engine::{Method, MfaMethod, ProofKind, VerifiedBy};

#[derive(Debug)]
enum Fax {}

impl ProofKind for Fax {
    const BY: VerifiedBy = VerifiedBy::Sms;
}

impl Method for Fax {
    const METHOD: MfaMethod = MfaMethod::Sms;
}

fn main() {}
