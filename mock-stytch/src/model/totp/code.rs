//! The pure half of TOTP: RFC 6238 codes for a base32 secret, the secret's accepted shape, the
//! `otpauth://` URI and its QR code as a PNG data URI. No database, no clock: callers pass the
//! epoch second (the virtual clock's). Must never log a secret or a code.

use totp_rs::{Algorithm, Secret, TOTP};

use super::{DIGITS, SKEW_STEPS, STEP_SECONDS};
use crate::error::{ApiError, ApiResult};

/// The RFC 6238 generator for a base32 secret (any length the mock accepted).
pub(super) fn generator(secret_b32: &str) -> ApiResult<TOTP> {
    let bytes = Secret::Encoded(secret_b32.to_owned())
        .to_bytes()
        .map_err(|_| {
            tracing::error!("stored TOTP secret is not base32");
            ApiError::internal()
        })?;
    Ok(TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        SKEW_STEPS as u8,
        STEP_SECONDS as u64,
        bytes,
    ))
}

/// The code for `secret` at epoch second `at`.
pub fn code_at(secret_b32: &str, at: i64) -> ApiResult<String> {
    Ok(generator(secret_b32)?.generate(at.max(0) as u64))
}

/// Seconds until the code at `at` changes.
pub fn seconds_remaining(at: i64) -> i64 {
    STEP_SECONDS - at.rem_euclid(STEP_SECONDS)
}

/// Normalise a secret handed to `totps.migrate`: upper case, no padding or spaces; must decode
/// to at least 80 bits (authenticator apps accept 80-bit secrets; minted ones are 160).
pub fn normalise_secret(raw: &str) -> ApiResult<String> {
    let s: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .collect::<String>()
        .to_ascii_uppercase();
    let invalid = || {
        ApiError::invalid_argument(
            "secret must be a base32 (RFC 4648) TOTP secret of at least 16 characters.",
        )
    };
    let bytes = Secret::Encoded(s.clone())
        .to_bytes()
        .map_err(|_| invalid())?;
    if bytes.len() < 10
        || !s
            .chars()
            .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c))
    {
        return Err(invalid());
    }
    Ok(s)
}

/// Is `code` the shape of a TOTP code (six digits)?
pub fn looks_like_totp_code(code: &str) -> bool {
    code.len() == DIGITS && code.bytes().all(|b| b.is_ascii_digit())
}

/// The `otpauth://` URI an authenticator app scans. Issuer and account are percent-encoded
/// (spaces as `%20`); `@` stays readable in the account, as authenticator apps show it.
pub fn otpauth_uri(issuer: &str, account: &str, secret_b32: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    const ACCOUNT: &AsciiSet = &COMPONENT.remove(b'@');
    let issuer_enc = utf8_percent_encode(issuer, COMPONENT).to_string();
    let account_enc = utf8_percent_encode(account, ACCOUNT).to_string();
    format!(
        "otpauth://totp/{issuer_enc}:{account_enc}?algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}&secret={secret_b32}&issuer={issuer_enc}"
    )
}

/// `data:image/png;base64,<PNG>` of a QR code holding `text` (8-bit grey, 4 px per module,
/// 4-module quiet zone). No space after the comma (§2.10).
pub fn qr_data_uri(text: &str) -> ApiResult<String> {
    use base64::Engine;
    const SCALE: usize = 4;
    const QUIET: usize = 4;
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| {
            tracing::error!(error = %e, "QR encoding failed");
            ApiError::internal()
        })?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (mx, my) = (i % modules + QUIET, i / modules + QUIET);
            for dy in 0..SCALE {
                let row = (my * SCALE + dy) * side;
                pixels[row + mx * SCALE..row + (mx + 1) * SCALE].fill(0);
            }
        }
    }
    let mut png_bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut png_bytes, side as u32, side as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let written = encoder
            .write_header()
            .and_then(|mut w| w.write_image_data(&pixels));
        written.map_err(|e| {
            tracing::error!(error = %e, "PNG encoding failed");
            ApiError::internal()
        })?;
    }
    Ok(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png_bytes)
    ))
}
