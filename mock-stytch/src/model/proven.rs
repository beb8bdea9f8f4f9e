//! [`FactorProven`]: the proof that a member just passed an MFA factor check (an SMS OTP, a TOTP
//! code or a recovery code matched). [`crate::mfa::complete`] takes one to satisfy MFA, so a
//! session with MFA satisfied can only be minted from a check that really matched.
//!
//! Its constructor is `pub(in crate::model)`: only the code checks in this module tree build one
//! ([`crate::model::sms::check`], [`crate::model::totp::Registration::check`],
//! [`crate::model::recovery_codes::redeem`]), each on its success path only. A route, a fixture or
//! the MFA rules cannot write `FactorProven { .. }` (the fields are private) or call the
//! constructor (it does not compile outside `crate::model`). Must never gain a public
//! constructor or a `Default`.

use serde_json::Value;

use crate::mfa::Method;

/// A factor check that matched, for `member_id`, with `method`, at virtual time `at`.
#[derive(Debug)]
pub struct FactorProven {
    member_id: String,
    method: Method,
    at: i64,
    /// The AuthenticationFactor to add to the session (CONTRACT §2.7).
    factor: Value,
}

impl FactorProven {
    /// Only for a code check's success path.
    pub(in crate::model) fn matched(
        member_id: &str,
        method: Method,
        at: i64,
        factor: Value,
    ) -> FactorProven {
        FactorProven {
            member_id: member_id.to_owned(),
            method,
            at,
            factor,
        }
    }

    pub fn member_id(&self) -> &str {
        &self.member_id
    }

    pub fn method(&self) -> Method {
        self.method
    }

    /// When the check matched (virtual clock, seconds).
    pub fn at(&self) -> i64 {
        self.at
    }

    /// The factor to put into the session.
    pub fn into_factor(self) -> Value {
        self.factor
    }
}
