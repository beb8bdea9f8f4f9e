//! TOTP registrations (CONTRACT §2.10): minting a secret from the seed, the otpauth URI and its
//! QR code, RFC 6238 checking on the virtual clock, and the pending → active life cycle.
//!
//! Codes are SHA-1, 6 digits, 30-second steps, accepting the previous and next step (±1). Each
//! accepted step is remembered: the same code (or one from an older step) is never accepted
//! twice for a registration. A registration is *pending* until its first successful
//! authenticate; pending ones are not shown in `member.totp_registration_id` (an engine that
//! treats a non-empty id as "TOTP enrolled" must not see a half-finished enrollment) and die at
//! their `expires_at`. This module must never read the OS clock, and never log a secret or code.

use crate::db::Conn;
use serde::Serialize;
use subtle::ConstantTimeEq;
use totp_rs::Secret;

use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::mfa::Method;
use crate::model::proven::FactorProven;
use crate::model::{Member, factor};
use crate::state::AppState;

mod code;
use code::generator;
pub use code::{
    code_at, looks_like_totp_code, normalise_secret, otpauth_uri, qr_data_uri, seconds_remaining,
};

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
        conn: &mut Conn,
        state: &AppState,
        member_id: &str,
    ) -> ApiResult<Option<Registration>> {
        let row: Option<Row> = crate::db::sql::query_as(&format!(
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
        conn: &mut Conn,
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
        conn: &mut Conn,
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
        crate::db::sql::query(&format!(
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
        conn: &mut Conn,
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
        crate::db::sql::query(
            "UPDATE totp_registrations SET last_step = ? WHERE totp_registration_id = ?",
        )
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
    pub async fn activate(&mut self, conn: &mut Conn, member: &mut Member) -> ApiResult<()> {
        if self.status == Status::Pending {
            crate::db::sql::query("UPDATE totp_registrations SET status = 'active', expires_at = NULL WHERE totp_registration_id = ?")
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
pub async fn delete_for_member(conn: &mut Conn, member_id: &str) -> ApiResult<u64> {
    let done = crate::db::sql::query("DELETE FROM totp_registrations WHERE member_id = ?")
        .bind(member_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use totp_rs::{Algorithm, TOTP};

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
