//! Type-level names: which factor a proof stands for, and which MFA method a state waits for.
//!
//! The markers are uninhabited types used only as type parameters: `FactorVerified<Sms>` is a
//! proof of an SMS code, `ChallengePending<Totp>` waits for a TOTP code, so a TOTP proof cannot
//! complete an SMS challenge (it does not type-check). [`VerifiedBy`] is the same fact at run
//! time, for logs and tests. Sealed: no other crate adds a kind. Must hold no data and no I/O.

use std::fmt;

use crate::method::MfaMethod;

mod sealed {
    pub trait Sealed {}
}

/// Which check produced a proof (the run-time twin of the [`ProofKind`] markers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VerifiedBy {
    /// The primary factor alone sufficed (`mfa_required: null`).
    PrimaryAuth,
    /// An existing session, checked with sessions authenticate.
    ExistingSession,
    Sms,
    Totp,
    RecoveryCode,
}

impl VerifiedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            VerifiedBy::PrimaryAuth => "primary_auth",
            VerifiedBy::ExistingSession => "existing_session",
            VerifiedBy::Sms => "sms_otp",
            VerifiedBy::Totp => "totp",
            VerifiedBy::RecoveryCode => "recovery_code",
        }
    }
}

impl fmt::Display for VerifiedBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a [`crate::FactorVerified`] proves. Sealed: exactly the five markers below.
pub trait ProofKind: sealed::Sealed + fmt::Debug + Send + Sync + 'static {
    const BY: VerifiedBy;
}

macro_rules! proof_kind {
    ($(#[$doc:meta])* $name:ident => $by:ident) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub enum $name {}

        impl sealed::Sealed for $name {}

        impl ProofKind for $name {
            const BY: VerifiedBy = VerifiedBy::$by;
        }
    };
}

proof_kind!(
    /// An SMS one-time code (an MFA method: `ChallengePending<Sms>`).
    Sms => Sms
);
proof_kind!(
    /// A TOTP code from an authenticator app (an MFA method: `ChallengePending<Totp>`).
    Totp => Totp
);
proof_kind!(
    /// A TOTP recovery code: completes only a TOTP challenge.
    RecoveryCode => RecoveryCode
);
proof_kind!(
    /// A primary authentication that Stytch answered with a full session.
    PrimaryAuth => PrimaryAuth
);
proof_kind!(
    /// An existing session that sessions authenticate accepted.
    ExistingSession => ExistingSession
);

/// An MFA method as a type: the parameter of the states that wait for a code.
/// Sealed like [`ProofKind`]: exactly [`Sms`] and [`Totp`].
pub trait Method: ProofKind {
    const METHOD: MfaMethod;
}

impl Method for Sms {
    const METHOD: MfaMethod = MfaMethod::Sms;
}

impl Method for Totp {
    const METHOD: MfaMethod = MfaMethod::Totp;
}
