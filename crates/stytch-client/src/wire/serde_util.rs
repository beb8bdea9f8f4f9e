//! Small deserialisation helpers for Stytch's `""`-means-absent conventions (CONTRACT §1.6).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

/// `null`, absent or `""` → `None`; otherwise the string.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let raw: Option<String> = Option::deserialize(d)?;
    Ok(raw.filter(|s| !s.is_empty()))
}

/// `null`, absent or `""` → `None`; otherwise an RFC 3339 timestamp.
pub(crate) fn opt_timestamp<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    match opt_string(d)? {
        None => Ok(None),
        Some(s) => DateTime::parse_from_rfc3339(&s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(serde::de::Error::custom),
    }
}
