//! The settings the MFA rules read, as types: `mfa_policy`, the `ALL_ALLOWED` / `RESTRICTED`
//! switch of `mfa_methods` and `auth_methods`, the methods `allowed_auth_methods` and
//! `allowed_mfa_methods` (and a member's `default_mfa_method`) name. Each wire string is written
//! once, in the enums below; serde uses exactly it, so stored rows and answers are unchanged.
//! Nothing here decides anything: [`crate::mfa`] does.

use crate::error::ApiError;
use crate::error::catalog::Entry;

/// An enum whose variants serialise as the given wire strings, with the list of them (for error
/// messages) and a parser.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
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

pub(crate) use wire_enum;

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

wire_enum!(
    /// A primary authentication method, as `allowed_auth_methods` names it (CONTRACT §2.1).
    AuthMethod {
        Sso = "sso",
        MagicLink = "magic_link",
        EmailOtp = "email_otp",
        Password = "password",
        GoogleOauth = "google_oauth",
        MicrosoftOauth = "microsoft_oauth",
        SlackOauth = "slack_oauth",
        GithubOauth = "github_oauth",
        HubspotOauth = "hubspot_oauth",
    }
);

wire_enum!(
    /// An MFA method, as `allowed_mfa_methods` and `default_mfa_method` name it.
    MfaMethod {
        SmsOtp = "sms_otp",
        Totp = "totp",
    }
);

/// `default_mfa_method` on the wire and in the row: the method, or `""` for none.
pub mod blank_or_method {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::MfaMethod;

    pub fn serialize<S: Serializer>(v: &Option<MfaMethod>, s: S) -> Result<S::Ok, S::Error> {
        v.map_or("", MfaMethod::as_str).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<MfaMethod>, D::Error> {
        let s = String::deserialize(d)?;
        if s.is_empty() {
            return Ok(None);
        }
        MfaMethod::from_wire(&s)
            .map(Some)
            .ok_or_else(|| serde::de::Error::unknown_variant(&s, MfaMethod::WIRE))
    }
}

/// Parse a list setting element by element (deduplicated, first-seen order), or the catalog's
/// 400 `error` naming every accepted value, worded as [`parse`] words it.
pub fn parse_all<T: PartialEq>(
    values: &[String],
    from_wire: fn(&str) -> Option<T>,
    wire: &[&str],
    error: Entry,
    field: &str,
) -> Result<Vec<T>, ApiError> {
    let mut out = Vec::new();
    for v in values {
        let v = parse(v, from_wire, wire, error, field)?;
        if !out.contains(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

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
        assert_eq!(
            serde_json::to_string(&[AuthMethod::GoogleOauth, AuthMethod::MagicLink]).unwrap(),
            r#"["google_oauth","magic_link"]"#
        );
    }

    #[test]
    fn a_blank_default_method_is_none_and_stays_blank() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct M {
            #[serde(with = "blank_or_method")]
            default_mfa_method: Option<MfaMethod>,
        }
        for (wire, v) in [
            (r#"{"default_mfa_method":""}"#, None),
            (r#"{"default_mfa_method":"totp"}"#, Some(MfaMethod::Totp)),
        ] {
            let m: M = serde_json::from_str(wire).unwrap();
            assert_eq!(m.default_mfa_method, v);
            assert_eq!(serde_json::to_string(&m).unwrap(), wire);
        }
        assert!(serde_json::from_str::<M>(r#"{"default_mfa_method":"email"}"#).is_err());
    }
}
