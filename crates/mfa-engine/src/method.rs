//! MFA methods the engine knows (SMS OTP, TOTP) and small sets of them.
//! Recovery codes are not a method of their own: they stand in for TOTP.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MfaMethod {
    Sms,
    Totp,
}

impl MfaMethod {
    /// Stytch's spelling (`sms_otp`, `totp`), also used in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            MfaMethod::Sms => "sms_otp",
            MfaMethod::Totp => "totp",
        }
    }

    pub fn parse(s: &str) -> Option<MfaMethod> {
        match s {
            "sms_otp" => Some(MfaMethod::Sms),
            "totp" => Some(MfaMethod::Totp),
            _ => None,
        }
    }

    pub(crate) fn from_wire(m: stytch_client::wire::MfaMethod) -> Option<MfaMethod> {
        match m {
            stytch_client::wire::MfaMethod::SmsOtp => Some(MfaMethod::Sms),
            stytch_client::wire::MfaMethod::Totp => Some(MfaMethod::Totp),
            stytch_client::wire::MfaMethod::Other => None,
        }
    }
}

impl fmt::Display for MfaMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of methods. Iteration order is fixed (SMS, then TOTP): that order is what "the first
/// enrolled allowed method" means in routing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MethodSet {
    pub sms: bool,
    pub totp: bool,
}

impl MethodSet {
    pub const NONE: MethodSet = MethodSet {
        sms: false,
        totp: false,
    };
    pub const ALL: MethodSet = MethodSet {
        sms: true,
        totp: true,
    };

    pub fn only(m: MfaMethod) -> MethodSet {
        MethodSet::NONE.with(m)
    }

    pub fn with(mut self, m: MfaMethod) -> MethodSet {
        match m {
            MfaMethod::Sms => self.sms = true,
            MfaMethod::Totp => self.totp = true,
        }
        self
    }

    pub fn contains(self, m: MfaMethod) -> bool {
        match m {
            MfaMethod::Sms => self.sms,
            MfaMethod::Totp => self.totp,
        }
    }

    pub fn intersect(self, other: MethodSet) -> MethodSet {
        MethodSet {
            sms: self.sms && other.sms,
            totp: self.totp && other.totp,
        }
    }

    pub fn minus(self, other: MethodSet) -> MethodSet {
        MethodSet {
            sms: self.sms && !other.sms,
            totp: self.totp && !other.totp,
        }
    }

    pub fn is_subset_of(self, other: MethodSet) -> bool {
        self.minus(other).is_empty()
    }

    pub fn is_empty(self) -> bool {
        !self.sms && !self.totp
    }

    pub fn first(self) -> Option<MfaMethod> {
        self.iter().next()
    }

    pub fn iter(self) -> impl Iterator<Item = MfaMethod> {
        [MfaMethod::Sms, MfaMethod::Totp]
            .into_iter()
            .filter(move |m| self.contains(*m))
    }
}

impl FromIterator<MfaMethod> for MethodSet {
    fn from_iter<I: IntoIterator<Item = MfaMethod>>(iter: I) -> Self {
        iter.into_iter().fold(MethodSet::NONE, MethodSet::with)
    }
}
