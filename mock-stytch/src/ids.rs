//! The one seeded generator behind every id, token, code and `request_id` the mock hands out.
//!
//! Value `n` of a stream is `SHA-256(seed ‖ stream ‖ n)`: no hidden RNG state, so a fresh run
//! with the same seed and the same request sequence repeats every value byte for byte. Entity
//! values share one counter that is persisted with each write (see [`crate::db::WriteTx`]), so
//! a restart never hands out a value twice. Request ids use their own counter mixed with a boot
//! number, because reads persist nothing. A restore ([`crate::snapshot`]) rewinds both counters
//! and the boot number to a snapshot's. Never use these values as real secrets.

use std::sync::atomic::{AtomicU64, Ordering};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

#[derive(Debug)]
pub struct Ids {
    seed: u64,
    boot: AtomicU64,
    counter: AtomicU64,
    requests: AtomicU64,
}

impl Ids {
    pub fn new(seed: u64, boot: u64, counter: u64) -> Ids {
        Ids {
            seed,
            boot: AtomicU64::new(boot),
            counter: AtomicU64::new(counter),
            requests: AtomicU64::new(0),
        }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The next value of the shared entity counter (persisted by write transactions).
    pub fn counter(&self) -> u64 {
        self.counter.load(Ordering::SeqCst)
    }

    pub fn reset(&self) {
        self.counter.store(0, Ordering::SeqCst);
    }

    /// The boot number request ids are mixed with (persisted as `meta.boot`).
    pub fn boot(&self) -> u64 {
        self.boot.load(Ordering::SeqCst)
    }

    /// The index of the next request id in this boot (what a snapshot records).
    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::SeqCst)
    }

    /// Put the generator where a snapshot recorded it: the next entity value is number
    /// `counter`, the next request id is number `requests` of boot `boot`.
    pub fn rewind(&self, boot: u64, counter: u64, requests: u64) {
        self.boot.store(boot, Ordering::SeqCst);
        self.counter.store(counter, Ordering::SeqCst);
        self.requests.store(requests, Ordering::SeqCst);
    }

    /// Deterministic bytes for a named stream and index; for values derived from data
    /// (a member's OTP, a TOTP secret) rather than from the counter.
    pub fn derive(&self, stream: &str, index: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.seed.to_le_bytes());
        h.update((stream.len() as u64).to_le_bytes());
        h.update(stream.as_bytes());
        h.update(index);
        h.finalize().into()
    }

    fn next_bytes(&self, stream: &str) -> [u8; 32] {
        let n = self.counter.fetch_add(1, Ordering::SeqCst);
        self.derive(stream, &n.to_le_bytes())
    }

    /// `<prefix>-test-<uuid4>`, e.g. `member-test-…`.
    pub fn id(&self, prefix: &str) -> String {
        format!("{prefix}-test-{}", uuid_from(&self.next_bytes("id")))
    }

    /// An opaque 44-character `[A-Za-z0-9_-]` token (session tokens, ISTs).
    pub fn token(&self) -> String {
        // 33 bytes encode to exactly 44 characters; one hash gives 32, so extend it by a byte
        // derived from it.
        let raw = self.next_bytes("token");
        let mut bytes = raw.to_vec();
        bytes.push(Sha256::digest(raw)[0]);
        URL_SAFE_NO_PAD.encode(&bytes)
    }

    /// A 44-character base64 token ending in `=` (magic links, reset tokens), as in Stytch's samples.
    pub fn link_token(&self) -> String {
        let raw = self.next_bytes("link-token");
        let mut s = URL_SAFE_NO_PAD.encode(&raw[..32]);
        s.push('=');
        s
    }

    /// `n` decimal digits.
    pub fn digits(&self, n: usize) -> String {
        digits_from(&self.next_bytes("digits"), n)
    }

    /// Raw bytes from the counter stream (secrets, keys).
    pub fn bytes(&self, stream: &str) -> [u8; 32] {
        self.next_bytes(stream)
    }

    /// `request-id-test-<uuid4>`; not persisted, distinct per boot.
    pub fn request_id(&self) -> String {
        let n = self.requests.fetch_add(1, Ordering::SeqCst);
        let mut idx = self.boot().to_le_bytes().to_vec();
        idx.extend_from_slice(&n.to_le_bytes());
        format!(
            "request-id-test-{}",
            uuid_from(&self.derive("request", &idx))
        )
    }
}

/// Format 16 bytes as an RFC 4122 version-4 UUID.
pub fn uuid_from(bytes: &[u8; 32]) -> uuid::Uuid {
    let mut b = [0u8; 16];
    b.copy_from_slice(&bytes[..16]);
    uuid::Builder::from_random_bytes(b).into_uuid()
}

/// `n` decimal digits from hash bytes (uniform enough for a mock; never a real secret).
pub fn digits_from(bytes: &[u8; 32], n: usize) -> String {
    let mut v = u128::from_le_bytes(bytes[..16].try_into().expect("16 bytes"));
    let mut out = String::with_capacity(n);
    for _ in 0..n {
        out.push(char::from(b'0' + (v % 10) as u8));
        v /= 10;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sequence_other_seed_other_values() {
        let (a, b, c) = (Ids::new(7, 1, 0), Ids::new(7, 1, 0), Ids::new(8, 1, 0));
        let seq = |ids: &Ids| {
            (
                ids.id("member"),
                ids.token(),
                ids.digits(6),
                ids.request_id(),
            )
        };
        let (sa, sb, sc) = (seq(&a), seq(&b), seq(&c));
        assert_eq!(sa, sb);
        assert_ne!(sa.0, sc.0);
        assert!(sa.0.starts_with("member-test-"));
        assert_eq!(sa.1.len(), 44);
        assert_eq!(sa.2.len(), 6);
        assert!(sa.2.chars().all(|c| c.is_ascii_digit()));
    }

    #[test]
    fn resuming_the_counter_does_not_repeat_values() {
        let a = Ids::new(7, 1, 0);
        let first = a.id("x");
        let resumed = Ids::new(7, 2, a.counter());
        assert_ne!(first, resumed.id("x"));
    }

    #[test]
    fn rewinding_repeats_the_values_handed_out_after_that_point() {
        let a = Ids::new(7, 3, 0);
        a.id("x");
        a.request_id();
        let (boot, counter, requests) = (a.boot(), a.counter(), a.requests());
        let after = (a.id("x"), a.token(), a.request_id());
        let b = Ids::new(7, 9, 100);
        b.rewind(boot, counter, requests);
        assert_eq!((b.id("x"), b.token(), b.request_id()), after);
    }

    #[test]
    fn link_tokens_look_like_stytch_samples() {
        let t = Ids::new(1, 1, 0).link_token();
        assert_eq!(t.len(), 44);
        assert!(t.ends_with('='));
    }
}
