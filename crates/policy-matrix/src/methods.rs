//! A set of MFA methods (`sms_otp`, `totp`) — this crate's own, so the model shares no type
//! with the engine it checks. Serialised as Stytch's list of names, SMS first.

use serde::{Serialize, Serializer};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Methods {
    pub sms: bool,
    pub totp: bool,
}

impl Methods {
    pub const NONE: Methods = Methods {
        sms: false,
        totp: false,
    };
    pub const ALL: Methods = Methods {
        sms: true,
        totp: true,
    };
    pub const SMS: Methods = Methods {
        sms: true,
        totp: false,
    };
    pub const TOTP: Methods = Methods {
        sms: false,
        totp: true,
    };

    /// Every subset, empty first.
    pub fn subsets() -> impl Iterator<Item = Methods> {
        [Methods::NONE, Methods::SMS, Methods::TOTP, Methods::ALL].into_iter()
    }

    pub fn is_empty(self) -> bool {
        !self.sms && !self.totp
    }

    pub fn and(self, other: Methods) -> Methods {
        Methods {
            sms: self.sms && other.sms,
            totp: self.totp && other.totp,
        }
    }

    pub fn names(self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.sms {
            v.push("sms_otp");
        }
        if self.totp {
            v.push("totp");
        }
        v
    }

    /// `[sms_otp, totp]`-style label for tables; `[]` when empty.
    pub fn label(self) -> String {
        format!("[{}]", self.names().join(","))
    }
}

impl Serialize for Methods {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.names().serialize(s)
    }
}
