//! The organization settings the MFA rules read, as types: `mfa_policy`, and the `ALL_ALLOWED` /
//! `RESTRICTED` switch of `mfa_methods` and `auth_methods`. Each wire string is written once, in
//! the enum below; serde uses exactly it, so stored organizations and answers are unchanged.
//! Nothing here decides anything: [`crate::decide`] and [`crate::model::mfa`] do.

use crate::error::ApiError;
use crate::error::catalog::Entry;

/// An enum whose variants serialise as the given wire strings, with the list of them (for error
/// messages) and a parser.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $wire)] $variant,)+
        }

        impl $name {
            /// Every wire string, in declaration order.
            pub const WIRE: &'static [&'static str] = &[$($wire),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }

            pub fn from_wire(s: &str) -> Option<$name> {
                match s {
                    $($wire => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

wire_enum!(
    /// `mfa_policy` (CONTRACT §3 R1).
    MfaPolicy {
        /// Only enrolled members owe MFA.
        Optional = "OPTIONAL",
        /// Every member owes MFA.
        RequiredForAll = "REQUIRED_FOR_ALL",
    }
);

wire_enum!(
    /// `mfa_methods` and `auth_methods`: everything allowed, or only the `allowed_*` list.
    MethodSetting {
        AllAllowed = "ALL_ALLOWED",
        Restricted = "RESTRICTED",
    }
);

/// Parse a setting, or the catalog's 400 `error` naming every accepted value (the message
/// [`crate::model::validate::one_of`] gives for string settings).
pub fn parse<T>(
    value: &str,
    from_wire: fn(&str) -> Option<T>,
    wire: &[&str],
    error: Entry,
    field: &str,
) -> Result<T, ApiError> {
    from_wire(value).ok_or_else(|| {
        ApiError::worded(
            error,
            format!("{field} must be one of {}.", wire.join(", ")),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_strings_round_trip_through_serde() {
        for (v, wire) in [
            (MfaPolicy::Optional, "\"OPTIONAL\""),
            (MfaPolicy::RequiredForAll, "\"REQUIRED_FOR_ALL\""),
        ] {
            assert_eq!(serde_json::to_string(&v).unwrap(), wire);
            assert_eq!(serde_json::from_str::<MfaPolicy>(wire).unwrap(), v);
        }
        assert_eq!(
            MethodSetting::from_wire("RESTRICTED"),
            Some(MethodSetting::Restricted)
        );
        assert_eq!(MethodSetting::from_wire("restricted"), None);
        assert_eq!(MfaPolicy::WIRE, ["OPTIONAL", "REQUIRED_FOR_ALL"]);
    }
}
