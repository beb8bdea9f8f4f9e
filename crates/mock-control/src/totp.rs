//! RFC 6238 TOTP (HMAC-SHA1, 30 s steps, 6 digits) computed here, so a test can check the mock's
//! codes — and ask for codes at any offset — without trusting the mock's own generator.
//!
//! Pure functions; they must never call the mock.

use hmac::{Hmac, Mac};

/// Seconds per TOTP step.
pub const STEP_SECONDS: i64 = 30;

/// The code for `secret_b32` (RFC 4648 base32, padding optional, any case) at unix time `at`;
/// `None` when the secret is not base32.
pub fn code_at(secret_b32: &str, at: i64) -> Option<String> {
    let cleaned: String = secret_b32
        .chars()
        .filter(|c| *c != '=' && !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let key = base32::decode(base32::Alphabet::Rfc4648 { padding: false }, &cleaned)?;
    Some(code_for_step(&key, (at.max(0) / STEP_SECONDS) as u64))
}

/// The code for the raw key `secret` at time step `step` (= unix time / 30).
pub fn code_for_step(secret: &[u8], step: u64) -> String {
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(&step.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let off = (h[19] & 0x0f) as usize;
    let bin = u32::from_be_bytes([h[off] & 0x7f, h[off + 1], h[off + 2], h[off + 3]]);
    format!("{:06}", bin % 1_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 key "12345678901234567890", truncated to 6 digits.
    #[test]
    fn matches_the_rfc_6238_sha1_vectors() {
        let key = b"12345678901234567890";
        assert_eq!(code_for_step(key, 59 / 30), "287082");
        assert_eq!(code_for_step(key, 1_111_111_109 / 30), "081804");
        assert_eq!(code_for_step(key, 2_000_000_000 / 30), "279037");
        let b32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        assert_eq!(code_at(b32, 59).as_deref(), Some("287082"));
        assert_eq!(code_at(&b32.to_lowercase(), 59).as_deref(), Some("287082"));
    }

    #[test]
    fn a_secret_that_is_not_base32_has_no_code() {
        assert_eq!(code_at("not base32 at all!", 59), None);
    }
}
