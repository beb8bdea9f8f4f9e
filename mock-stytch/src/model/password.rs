//! Member passwords: hashing (bcrypt at `config.password_hash_cost`, default 4, salt from the
//! seeded id stream so reruns are reproducible), verifying (bcrypt, and argon2 PHC strings for
//! migrated hashes), strength (the real zxcvbn estimator; valid at score ≥ 3) and normalising
//! migrated hashes (CONTRACT §2.4).
//!
//! Verifying is CPU work (≈ 1 ms at bcrypt cost 4, up to seconds for an imported hash), so it is
//! never done under the write lock: [`precheck`] reads the member's current hash from the pool
//! and verifies it on a blocking thread; the transaction then only compares that the hash is
//! still the same string ([`Verified::verdict_for`]) and counts a wrong password there.
//!
//! Hashes live only in the `members.password_hash` column ([`Member::set_password_hash`]); this
//! module never logs a password or a hash and never puts either in a response.

use crate::db::Conn;
use argon2::password_hash::{PasswordHash, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use serde::{Deserialize, Serialize};

use crate::error::catalog;
use crate::error::{ApiError, ApiResult};
use crate::model::{Member, Organization, validate};
use crate::state::AppState;

/// zxcvbn score from which a password is accepted (Stytch's zxcvbn policy).
pub const MIN_SCORE: u8 = 3;

/// 401 `unauthorized_credentials`: wrong email, no password, or wrong password (one answer for
/// all three, so the API does not reveal which members exist).
pub fn wrong_credentials() -> ApiError {
    ApiError::worded(
        catalog::UNAUTHORIZED_CREDENTIALS,
        "The email address or password is incorrect.",
    )
}

/// A bcrypt hash of `password` (`$2b$`), cost from the configuration.
pub fn hash(state: &AppState, password: &str) -> ApiResult<String> {
    let mut salt = [0u8; 16];
    salt.copy_from_slice(&state.ids.bytes("bcrypt-salt")[..16]);
    bcrypt::hash_with_salt(password, state.config.password_hash_cost, salt)
        .map(|h| h.format_for_version(bcrypt::Version::TwoB))
        .map_err(|e| {
            tracing::error!(error = %e, "bcrypt hashing failed");
            ApiError::internal()
        })
}

/// A candidate password verified against one exact stored hash of one member, outside the
/// write lock. Deliberately not `Debug`: it holds a hash.
pub struct Verified {
    member_id: String,
    hash: String,
    matches: bool,
}

impl Verified {
    /// Verify `candidate` against `hash` on a blocking thread.
    pub async fn check(member_id: String, hash: String, candidate: &str) -> ApiResult<Verified> {
        let candidate = candidate.to_owned();
        let (hash, matches) = tokio::task::spawn_blocking(move || {
            let matches = verify(&hash, &candidate);
            (hash, matches)
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "password verification panicked");
            ApiError::internal()
        })?;
        Ok(Verified {
            member_id,
            hash,
            matches,
        })
    }

    /// Whether the password matched, if it was verified against exactly `current`, this member's
    /// hash as the transaction reads it; `None`: verify again (the hash changed meanwhile).
    pub fn verdict_for(&self, member_id: &str, current: &str) -> Option<bool> {
        (self.member_id == member_id && self.hash == current).then_some(self.matches)
    }
}

/// Read the current hash of the member `email` of organization `org_key` (a pool read, no write
/// lock) and verify `candidate` against it. `None` when there is nothing to verify (unknown
/// organization or email, no password) or the read failed: the transaction reads again and
/// decides, and asks for a verification when it does find a hash.
pub async fn precheck(
    state: &AppState,
    org_key: &str,
    email: &str,
    candidate: &str,
) -> Option<Verified> {
    let found = async {
        let mut conn = state.db.pool.acquire().await?;
        let org = Organization::get(&mut conn, org_key).await?;
        let email = validate::email(email)?;
        let Some(member) = Member::find_by_email(&mut conn, &org.organization_id, &email).await?
        else {
            return Ok(None);
        };
        let hash = member.password_hash(&mut conn).await?;
        Ok::<_, ApiError>(hash.map(|h| (member.member_id, h)))
    };
    // The connection is back in the pool before the (slow) verification starts.
    let (member_id, hash) = found.await.ok().flatten()?;
    Verified::check(member_id, hash, candidate).await.ok()
}

/// Does `password` match a stored hash (bcrypt `$2…$` or argon2 PHC `$argon2…$`)?
pub fn verify(stored: &str, password: &str) -> bool {
    if stored.starts_with("$2") {
        bcrypt::verify(password, stored).unwrap_or(false)
    } else if stored.starts_with("$argon2") {
        PasswordHash::new(stored)
            .map(|parsed| {
                argon2::Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    } else {
        false
    }
}

/// Store `hash` as the member's password; the member gets a `member-password-test-…` id the first
/// time (a reset keeps the id). The caller saves the member.
pub async fn set(
    conn: &mut Conn,
    state: &AppState,
    member: &mut Member,
    hash: &str,
) -> ApiResult<()> {
    member.set_password_hash(conn, Some(hash)).await?;
    if member.member_password_id.is_empty() {
        member.member_password_id = state.ids.id("member-password");
    }
    Ok(())
}

/// `luds_feedback` / `zxcvbn_feedback` shapes of `passwords.strength_check`.
#[derive(Clone, Debug, Serialize)]
pub struct ZxcvbnFeedback {
    pub warning: String,
    pub suggestions: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Strength {
    pub valid_password: bool,
    pub score: u8,
    pub breached_password: bool,
    pub strength_policy: &'static str,
    pub breach_detection_on_create: bool,
    pub luds_feedback: Option<serde_json::Value>,
    pub zxcvbn_feedback: ZxcvbnFeedback,
}

/// Estimate with zxcvbn; the email address (and its local part) count as user inputs, so a
/// password built from the member's own address scores low. Breach detection is not modelled:
/// `breached_password` is always false.
pub fn strength(password: &str, email: Option<&str>) -> Strength {
    let mut inputs: Vec<&str> = Vec::new();
    if let Some(e) = email {
        inputs.push(e);
        if let Some((local, _)) = e.split_once('@') {
            inputs.push(local);
        }
    }
    let entropy = zxcvbn::zxcvbn(password, &inputs);
    let score = u8::from(entropy.score());
    let (warning, suggestions) = match entropy.feedback() {
        Some(f) => (
            f.warning().map(|w| w.to_string()).unwrap_or_default(),
            f.suggestions().iter().map(|s| s.to_string()).collect(),
        ),
        None => (String::new(), vec![]),
    };
    Strength {
        valid_password: score >= MIN_SCORE,
        score,
        breached_password: false,
        strength_policy: "zxcvbn",
        breach_detection_on_create: false,
        luds_feedback: None,
        zxcvbn_feedback: ZxcvbnFeedback {
            warning,
            suggestions,
        },
    }
}

/// 400 `weak_password` unless `password` passes [`strength`].
pub fn require_strong(password: &str, email: &str) -> ApiResult<()> {
    let s = strength(password, Some(email));
    if s.valid_password {
        Ok(())
    } else {
        Err(ApiError::worded(
            catalog::WEAK_PASSWORD,
            format!(
                "The password is too weak (zxcvbn score {} of 4, at least {MIN_SCORE} needed). {}",
                s.score, s.zxcvbn_feedback.warning
            ),
        ))
    }
}

/// `argon_2_config` of `passwords.migrate`, for a raw (hex) argon2 hash.
#[derive(Debug, Deserialize)]
pub struct Argon2Config {
    pub salt: String,
    pub iteration_amount: u32,
    pub memory: u32,
    pub threads: u32,
    pub key_length: u32,
}

/// Turn a migrated hash into the string stored and later verified. Supported: `bcrypt`
/// (`$2a$`/`$2b$`/`$2y$`), `argon_2i` / `argon_2id` as an encoded PHC string, or as hex with
/// `argon_2_config`. Other hash types are refused with 400 `invalid_hash_type`.
pub fn migrated(hash_type: &str, hash: &str, argon: Option<&Argon2Config>) -> ApiResult<String> {
    let invalid = |why: &str| {
        ApiError::worded(
            catalog::INVALID_PASSWORD_HASH,
            format!("The hash is not a valid {hash_type} hash: {why}"),
        )
    };
    match hash_type {
        "bcrypt" => {
            hash.parse::<bcrypt::HashParts>()
                .map_err(|e| invalid(&e.to_string()))?;
            Ok(hash.to_owned())
        }
        "argon_2i" | "argon_2id" => {
            let variant = if hash_type == "argon_2i" {
                "argon2i"
            } else {
                "argon2id"
            };
            if hash.starts_with('$') {
                let parsed = PasswordHash::new(hash).map_err(|e| invalid(&e.to_string()))?;
                if parsed.algorithm.as_str() != variant {
                    return Err(invalid(&format!("expected a ${variant}$ hash")));
                }
                return Ok(hash.to_owned());
            }
            let cfg = argon.ok_or_else(|| invalid("a hex hash needs argon_2_config"))?;
            let raw = hex_decode(hash).ok_or_else(|| invalid("not hex"))?;
            if raw.len() as u32 != cfg.key_length {
                return Err(invalid("key_length does not match the hash"));
            }
            let phc = format!(
                "${variant}$v=19$m={},t={},p={}${}${}",
                cfg.memory,
                cfg.iteration_amount,
                cfg.threads,
                STANDARD_NO_PAD.encode(cfg.salt.as_bytes()),
                STANDARD_NO_PAD.encode(&raw)
            );
            PasswordHash::new(&phc).map_err(|e| invalid(&e.to_string()))?;
            Ok(phc)
        }
        other => Err(ApiError::worded(
            catalog::INVALID_HASH_TYPE,
            format!(
                "hash_type {other} is not supported by the mock; use bcrypt, argon_2i or argon_2id."
            ),
        )),
    }
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strength_uses_zxcvbn_and_passes_at_three() {
        let weak = strength("password123", None);
        assert!(!weak.valid_password);
        assert!(weak.score < 3);
        assert!(
            !weak.zxcvbn_feedback.suggestions.is_empty()
                || !weak.zxcvbn_feedback.warning.is_empty()
        );
        let strong = strength("correct-horse-battery-staple-9!", None);
        assert!(strong.valid_password, "{}", strong.score);
        assert!(strength("ada.lovelace1815", Some("ada.lovelace1815@acme.com")).score < 3);
    }

    #[test]
    fn migrated_bcrypt_and_argon2_hashes_verify() {
        let b = bcrypt::hash("s3cret-Passw0rd", 4).unwrap();
        let stored = migrated("bcrypt", &b, None).unwrap();
        assert!(verify(&stored, "s3cret-Passw0rd"));
        assert!(!verify(&stored, "nope"));

        use argon2::password_hash::{PasswordHasher, SaltString};
        let salt = SaltString::encode_b64(b"somesaltsomesalt").unwrap();
        let phc = argon2::Argon2::default()
            .hash_password(b"s3cret-Passw0rd", &salt)
            .unwrap()
            .to_string();
        let stored = migrated("argon_2id", &phc, None).unwrap();
        assert!(verify(&stored, "s3cret-Passw0rd"));
        assert!(
            migrated("argon_2i", &phc, None).is_err(),
            "variant must match"
        );

        // raw (hex) form with a config
        let params = argon2::Params::new(4096, 2, 1, Some(32)).unwrap();
        let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        let mut out = [0u8; 32];
        a.hash_password_into(b"s3cret-Passw0rd", b"saltsaltsalt", &mut out)
            .unwrap();
        let hex: String = out.iter().map(|b| format!("{b:02x}")).collect();
        let cfg = Argon2Config {
            salt: "saltsaltsalt".into(),
            iteration_amount: 2,
            memory: 4096,
            threads: 1,
            key_length: 32,
        };
        let stored = migrated("argon_2id", &hex, Some(&cfg)).unwrap();
        assert!(verify(&stored, "s3cret-Passw0rd"));
        assert!(!verify(&stored, "s3cret-Passw0rd!"));

        assert_eq!(
            migrated("md_5", "x", None).unwrap_err().error_type,
            "invalid_hash_type"
        );
        assert_eq!(
            migrated("bcrypt", "not-a-hash", None)
                .unwrap_err()
                .error_type,
            "invalid_password_hash"
        );
    }
}
