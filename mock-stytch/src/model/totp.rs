//! TOTP registrations (CONTRACT §2.10): minting a secret from the seed, the otpauth URI and its
//! QR code, RFC 6238 checking on the virtual clock, and the pending → active life cycle.
//!
//! Codes are SHA-1, 6 digits, 30-second steps, accepting the previous and next step (±1). Each
//! accepted step is remembered: the same code (or one from an older step) is never accepted
//! twice for a registration. A registration is *pending* until its first successful
//! authenticate; pending ones are not shown in `member.totp_registration_id` (an engine that
//! treats a non-empty id as "TOTP enrolled" must not see a half-finished enrollment) and die at
//! their `expires_at`. This module must never read the OS clock, and never log a secret or code.

use serde::Serialize;
use sqlx::SqliteConnection;
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};

use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::mfa::Method;
use crate::model::proven::FactorProven;
use crate::model::{Member, factor};
use crate::state::AppState;

pub const DIGITS: usize = 6;
pub const STEP_SECONDS: i64 = 30;
/// Steps accepted either side of the current one.
pub const SKEW_STEPS: i64 = 1;
pub const DEFAULT_EXPIRATION_MINUTES: i64 = 60;
pub const MIN_EXPIRATION_MINUTES: i64 = 5;
pub const MAX_EXPIRATION_MINUTES: i64 = 1440;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pending,
    Active,
}

#[derive(Clone, Debug)]
pub struct Registration {
    pub totp_registration_id: String,
    pub member_id: String,
    pub organization_id: String,
    /// Base32 (RFC 4648, no padding).
    pub secret: String,
    pub status: Status,
    pub created_at: i64,
    /// Enrollment deadline of a pending registration.
    pub expires_at: Option<i64>,
    pub last_step: Option<i64>,
    pub generation: i64,
}

/// Why a submitted TOTP code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Matches no step in the window.
    Wrong,
    /// Matches a step at or before the last accepted one.
    Replayed,
}

impl Refusal {
    pub fn error(self) -> ApiError {
        match self {
            Refusal::Wrong => ApiError::of(catalog::UNABLE_TO_AUTHENTICATE_TOTP),
            Refusal::Replayed => ApiError::of(catalog::TOTP_CODE_ALREADY_AUTHENTICATED),
        }
    }
}

pub fn not_found() -> ApiError {
    ApiError::of(catalog::TOTP_NOT_FOUND)
}

/// Check `expiration_minutes` (5..=1440, default 60).
pub fn expiration_minutes(minutes: Option<i64>) -> ApiResult<i64> {
    match minutes {
        None => Ok(DEFAULT_EXPIRATION_MINUTES),
        Some(m) if (MIN_EXPIRATION_MINUTES..=MAX_EXPIRATION_MINUTES).contains(&m) => Ok(m),
        Some(_) => Err(ApiError::invalid_argument(
            "expiration_minutes must be between 5 and 1440.",
        )),
    }
}

/// The RFC 6238 generator for a base32 secret (any length the mock accepted).
fn generator(secret_b32: &str) -> ApiResult<TOTP> {
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

const COLUMNS: &str = "totp_registration_id, member_id, organization_id, secret, status, created_at, expires_at, last_step, generation";
type Row = (
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    i64,
);

fn from_row(r: Row) -> Registration {
    Registration {
        totp_registration_id: r.0,
        member_id: r.1,
        organization_id: r.2,
        secret: r.3,
        status: if r.4 == "active" {
            Status::Active
        } else {
            Status::Pending
        },
        created_at: r.5,
        expires_at: r.6,
        last_step: r.7,
        generation: r.8,
    }
}

impl Registration {
    /// The member's registration if it is usable now: active, or pending and not past its
    /// deadline. An expired pending registration is as good as absent.
    pub async fn current(
        conn: &mut SqliteConnection,
        state: &AppState,
        member_id: &str,
    ) -> ApiResult<Option<Registration>> {
        let row: Option<Row> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM totp_registrations WHERE member_id = ? AND (status = 'active' OR expires_at > ?)"
        ))
        .bind(member_id)
        .bind(state.clock.now_ts())
        .fetch_optional(conn)
        .await?;
        Ok(row.map(from_row))
    }

    /// The member's active registration, if any.
    pub async fn active(
        conn: &mut SqliteConnection,
        state: &AppState,
        member_id: &str,
    ) -> ApiResult<Option<Registration>> {
        Ok(Registration::current(conn, state, member_id)
            .await?
            .filter(|r| r.status == Status::Active))
    }

    /// Mint a registration for `member` with a secret derived from the seed and the new id.
    /// Any earlier row of the member (an abandoned or expired pending one) is replaced; callers
    /// refuse first when an active one exists.
    pub async fn create(
        conn: &mut SqliteConnection,
        state: &AppState,
        member: &Member,
        status: Status,
        secret: Option<String>,
        expiration_minutes: i64,
    ) -> ApiResult<Registration> {
        delete_for_member(conn, &member.member_id).await?;
        let now = state.clock.now_ts();
        let id = state.ids.id("member-totp");
        let secret = match secret {
            Some(s) => s,
            None => {
                let bytes = state.ids.derive("totp-secret", id.as_bytes());
                Secret::Raw(bytes[..20].to_vec()).to_encoded().to_string()
            }
        };
        let reg = Registration {
            totp_registration_id: id,
            member_id: member.member_id.clone(),
            organization_id: member.organization_id.clone(),
            secret,
            expires_at: (status == Status::Pending).then_some(now + 60 * expiration_minutes),
            status,
            created_at: now,
            last_step: None,
            generation: 0,
        };
        sqlx::query(&format!(
            "INSERT INTO totp_registrations ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(&reg.totp_registration_id)
        .bind(&reg.member_id)
        .bind(&reg.organization_id)
        .bind(&reg.secret)
        .bind(if reg.status == Status::Active {
            "active"
        } else {
            "pending"
        })
        .bind(reg.created_at)
        .bind(reg.expires_at)
        .bind(reg.last_step)
        .bind(reg.generation)
        .execute(conn)
        .await?;
        Ok(reg)
    }

    /// Check `code` at the virtual now. On success the matched step is remembered (the caller
    /// commits), and the proof (this registration's `totp` factor) is returned.
    pub async fn check(
        &mut self,
        conn: &mut SqliteConnection,
        state: &AppState,
        code: &str,
    ) -> ApiResult<Result<FactorProven, Refusal>> {
        let now = state.clock.now_ts();
        let generator = generator(&self.secret)?;
        let current = now.div_euclid(STEP_SECONDS);
        // Every step in the window is computed and compared, whatever matched: constant work.
        let mut matched: Option<i64> = None;
        for step in current - SKEW_STEPS..=current + SKEW_STEPS {
            let expected = generator.generate((step.max(0) * STEP_SECONDS) as u64);
            let hit = bool::from(expected.as_bytes().ct_eq(code.as_bytes()));
            if hit && matched.is_none() {
                matched = Some(step);
            }
        }
        let Some(step) = matched else {
            return Ok(Err(Refusal::Wrong));
        };
        if self.last_step.is_some_and(|last| step <= last) {
            return Ok(Err(Refusal::Replayed));
        }
        sqlx::query("UPDATE totp_registrations SET last_step = ? WHERE totp_registration_id = ?")
            .bind(step)
            .bind(&self.totp_registration_id)
            .execute(conn)
            .await?;
        self.last_step = Some(step);
        let f = factor::totp(&self.totp_registration_id, now);
        Ok(Ok(FactorProven::matched(
            &self.member_id,
            Method::Totp,
            now,
            f,
        )))
    }

    /// Turn a pending registration into the member's TOTP factor.
    pub async fn activate(
        &mut self,
        conn: &mut SqliteConnection,
        member: &mut Member,
    ) -> ApiResult<()> {
        if self.status == Status::Pending {
            sqlx::query("UPDATE totp_registrations SET status = 'active', expires_at = NULL WHERE totp_registration_id = ?")
                .bind(&self.totp_registration_id)
                .execute(conn)
                .await?;
            self.status = Status::Active;
            self.expires_at = None;
        }
        member.totp_registration_id = self.totp_registration_id.clone();
        Ok(())
    }
}

/// Delete every registration of a member (and, by cascade, its recovery codes); returns how many.
pub async fn delete_for_member(conn: &mut SqliteConnection, member_id: &str) -> ApiResult<u64> {
    let done = sqlx::query("DELETE FROM totp_registrations WHERE member_id = ?")
        .bind(member_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B, SHA-1 rows (secret "12345678901234567890", 8 digits).
    #[test]
    fn rfc6238_sha1_vectors() {
        let totp = TOTP::new_unchecked(Algorithm::SHA1, 8, 1, 30, b"12345678901234567890".to_vec());
        for (t, code) in [
            (59u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(totp.generate(t), code, "T = {t}");
        }
        // Our 6-digit codes are the last six digits of the same truncation (RFC 4226 §5.3).
        let secret = Secret::Raw(b"12345678901234567890".to_vec())
            .to_encoded()
            .to_string();
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
        assert_eq!(code_at(&secret, 1_111_111_109).unwrap(), "081804");
    }

    #[test]
    fn otpauth_uri_encodes_issuer_and_keeps_the_at_sign() {
        let uri = otpauth_uri(
            "My B2B project (Test org)",
            "ada+x@acme.com",
            "JBSWY3DPEHPK3PXP",
        );
        assert_eq!(
            uri,
            "otpauth://totp/My%20B2B%20project%20%28Test%20org%29:ada%2Bx@acme.com?algorithm=SHA1&digits=6&period=30\
             &secret=JBSWY3DPEHPK3PXP&issuer=My%20B2B%20project%20%28Test%20org%29"
        );
    }

    #[test]
    fn migrated_secrets_are_normalised_or_refused() {
        assert_eq!(
            normalise_secret("jbsw y3dp ehpk 3pxp").unwrap(),
            "JBSWY3DPEHPK3PXP"
        );
        assert_eq!(
            normalise_secret("JBSWY3DPEHPK3PXP====").unwrap(),
            "JBSWY3DPEHPK3PXP"
        );
        for bad in ["", "JBSW", "not base32!", "0000000000000000"] {
            assert!(normalise_secret(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn seconds_remaining_counts_down_within_a_step() {
        assert_eq!(seconds_remaining(60), 30);
        assert_eq!(seconds_remaining(89), 1);
        assert_eq!(seconds_remaining(-1), 1);
    }
}
