//! Opaque secret types: tokens, codes, passwords and the project secret.
//!
//! Each wraps a [`secrecy::SecretString`]: `Debug` prints `Name(***)`, there is no `Display`,
//! and the value is reached only through [`ExposeSecretStr::expose_secret`], so every place that
//! reveals a secret is greppable. They deserialize from plain JSON strings; they are *not*
//! `Serialize` — request structs expose them field by field through [`expose`] so that a
//! secret can only ever be written into a Stytch request body.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer, ser::SerializeMap};

/// Read access to the characters of a secret. Call it only to hand the value to Stytch or to
/// the flow store, never to log it.
pub trait ExposeSecretStr {
    fn expose_secret(&self) -> &str;
}

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                $name(SecretString::from(value.into()))
            }

            /// True for `""`, which Stytch uses for "absent" (CONTRACT §1.6).
            pub fn is_empty(&self) -> bool {
                self.0.expose_secret().is_empty()
            }
        }

        impl ExposeSecretStr for $name {
            fn expose_secret(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(***)"))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map($name::new)
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                $name::new(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                $name::new(value)
            }
        }
    };
}

secret_type!(
    /// Any other secret: the project secret, a password, an OTP/TOTP/recovery code, a magic
    /// link / SSO / OAuth / reset token, a TOTP shared secret.
    Secret
);
secret_type!(
    /// A 10-minute token proving the primary factor while MFA (or a primary step) is pending.
    IntermediateSessionToken
);
secret_type!(
    /// An opaque member session token.
    SessionToken
);
secret_type!(
    /// A signed member session JWT (5-minute lifetime, refreshable via sessions authenticate).
    SessionJwt
);

/// `serialize_with` helper: writes the secret's characters into a request body.
pub(crate) fn expose<S: Serializer, T: ExposeSecretStr>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.expose_secret())
}

/// `serialize_with` helper for optional secrets (pair with `skip_serializing_if = "Option::is_none"`).
pub(crate) fn expose_opt<S: Serializer, T: ExposeSecretStr>(
    v: &Option<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(v.expose_secret()),
        None => s.serialize_none(),
    }
}

/// `deserialize_with` helper: Stytch sends `""` (or, leniently, `null`) for an absent token.
pub(crate) fn empty_as_none<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: From<String>,
{
    let raw: Option<String> = Option::deserialize(d)?;
    Ok(raw.filter(|s| !s.is_empty()).map(T::from))
}

/// Which session credential accompanies an MFA call. Stytch wants *exactly one* of the three
/// (CONTRACT §2.9 / §3 R5), which this enum makes the only possibility.
#[derive(Clone, Debug)]
pub enum SessionAuth {
    Intermediate(IntermediateSessionToken),
    Token(SessionToken),
    Jwt(SessionJwt),
}

impl Serialize for SessionAuth {
    /// A one-entry map, meant to be `#[serde(flatten)]`ed into a request body.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        match self {
            SessionAuth::Intermediate(t) => {
                map.serialize_entry("intermediate_session_token", t.expose_secret())?
            }
            SessionAuth::Token(t) => map.serialize_entry("session_token", t.expose_secret())?,
            SessionAuth::Jwt(t) => map.serialize_entry("session_jwt", t.expose_secret())?,
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_value() {
        let t = SessionToken::new("very-secret-token");
        let s = format!("{t:?} {:?}", SessionAuth::Token(t.clone()));
        assert!(!s.contains("very-secret"), "{s}");
        assert!(s.contains("SessionToken(***)"));
    }

    #[test]
    fn session_auth_serializes_as_exactly_one_key() {
        let body = serde_json::to_value(SessionAuth::Intermediate("ist-1".into())).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"intermediate_session_token": "ist-1"})
        );
        let body = serde_json::to_value(SessionAuth::Jwt("jwt-1".into())).unwrap();
        assert_eq!(body, serde_json::json!({"session_jwt": "jwt-1"}));
    }
}
