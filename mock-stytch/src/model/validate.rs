//! Parse-don't-validate helpers for values Stytch checks: E.164 phone numbers, emails, slugs,
//! enumerated settings. Each returns the normalised value or the Stytch error for it.

use crate::error::ApiError;
use crate::error::catalog;
use crate::error::catalog::Entry;

/// An E.164 number (`+14155551234`), checked with libphonenumber's metadata.
pub fn phone_number(raw: &str) -> Result<String, ApiError> {
    let invalid = || ApiError::of(catalog::INVALID_PHONE_NUMBER);
    if !raw.starts_with('+') || raw.len() > 16 || !raw[1..].chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid());
    }
    // Stytch's documented sandbox number is not a valid real number; accept it as such.
    if raw == crate::model::provision::SANDBOX_PHONE_NUMBER {
        return Ok(raw.to_owned());
    }
    let parsed = phonenumber::parse(None, raw).map_err(|_| invalid())?;
    if !phonenumber::is_valid(&parsed) {
        return Err(invalid());
    }
    Ok(parsed.format().mode(phonenumber::Mode::E164).to_string())
}

/// A plausible email address, lower-cased (Stytch matches emails case-insensitively).
pub fn email(raw: &str) -> Result<String, ApiError> {
    let invalid = || ApiError::of(catalog::INVALID_EMAIL);
    let email = raw.trim().to_ascii_lowercase();
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let ok = !local.is_empty()
        && local.len() <= 64
        && email.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok { Ok(email) } else { Err(invalid()) }
}

/// An organization slug: 2–128 of `[A-Za-z0-9-._~]`.
pub fn slug(raw: &str) -> Result<String, ApiError> {
    let ok = (2..=128).contains(&raw.len())
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c));
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(ApiError::of(catalog::INVALID_ORGANIZATION_SLUG))
    }
}

/// A value from a fixed set, or the catalog's `error` worded to name the setting.
pub fn one_of(
    value: &str,
    allowed: &[&str],
    error: Entry,
    field: &str,
) -> Result<String, ApiError> {
    if allowed.contains(&value) {
        Ok(value.to_owned())
    } else {
        Err(ApiError::worded(
            error,
            format!("{field} must be one of {}.", allowed.join(", ")),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_e164_only() {
        assert_eq!(phone_number("+14155552671").unwrap(), "+14155552671");
        assert_eq!(phone_number("+447911123456").unwrap(), "+447911123456");
        assert_eq!(phone_number("+10000000000").unwrap(), "+10000000000");
        for bad in [
            "4155552671",
            "+1 415 555 2671",
            "+1415",
            "+999999999999",
            "",
            "+",
        ] {
            assert_eq!(
                phone_number(bad).unwrap_err().error_type,
                "invalid_phone_number",
                "{bad}"
            );
        }
    }

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(email("Ada@Example.COM").unwrap(), "ada@example.com");
        for bad in [
            "ada",
            "@x.com",
            "ada@",
            "ada@com",
            "a da@x.com",
            "a@b@c.com",
        ] {
            assert_eq!(email(bad).unwrap_err().error_type, "invalid_email", "{bad}");
        }
    }
}
