//! RS256 (RSASSA-PKCS1-v1_5 + SHA-256, 2048-bit) side by side: every maintained Rust option the
//! mock could sign session JWTs with, on one thread, on the same key and the same signing input
//! (a real session JWT's `header.claims`), plus 2048-bit key generation.
//!
//! PKCS#1 v1.5 signatures are deterministic, so every implementation must produce the same bytes:
//! a candidate that disagrees is reported as wrong, not fast.

use std::time::{Duration, Instant};

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use rsa::pkcs1::EncodeRsaPrivateKey;

/// Per-implementation result.
#[derive(Clone, Debug)]
pub struct SignResult {
    pub name: &'static str,
    /// What the mock would have to depend on.
    pub note: &'static str,
    pub signs_per_sec: f64,
    pub verifies_per_sec: f64,
    /// Same signature bytes as the reference (aws-lc-rs, the mock's signer).
    pub agrees: bool,
}

#[derive(Clone, Debug)]
pub struct KeygenResult {
    pub name: &'static str,
    pub note: &'static str,
    pub median_ms: f64,
    pub samples: usize,
}

/// A 2048-bit key derived from `seed` exactly as the mock derives its signing key.
pub fn seeded_key(seed: u64) -> anyhow::Result<Vec<u8>> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let key = rsa::RsaPrivateKey::new(&mut rng, 2048)?;
    Ok(key.to_pkcs1_der()?.as_bytes().to_vec())
}

/// A realistic signing input: base64url(header) "." base64url(claims) of a session JWT.
pub fn signing_input() -> Vec<u8> {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = serde_json::json!({"alg": "RS256", "kid": "jwk-test-00000000-0000-4000-8000-000000000000", "typ": "JWT"});
    let pid = mock_stytch::config::DEFAULT_PROJECT_ID;
    let claims = serde_json::json!({
        "sub": "member-test-00000000-0000-4000-8000-000000000001",
        "aud": [pid], "iss": format!("stytch.com/{pid}"),
        "iat": 1_900_000_000, "nbf": 1_900_000_000, "exp": 1_900_000_300,
        "https://stytch.com/session": {
            "id": "member-session-test-00000000-0000-4000-8000-000000000002",
            "started_at": "2030-03-17T17:46:40Z", "last_accessed_at": "2030-03-17T17:46:40Z",
            "expires_at": "2030-03-17T18:46:40Z", "attributes": {"ip_address": "", "user_agent": ""},
            "authentication_factors": [
                {"type": "magic_link", "delivery_method": "email", "last_authenticated_at": "2030-03-17T17:46:40Z",
                 "email_factor": {"email_id": "member-email-test-00000000-0000-4000-8000-000000000003", "email_address": "m1@bench.example.com"}},
                {"type": "otp", "delivery_method": "sms", "last_authenticated_at": "2030-03-17T17:46:40Z",
                 "phone_number_factor": {"phone_id": "mobile-phone-test-00000000-0000-4000-8000-000000000004", "phone_number": "+14155552671"}}
            ],
            "roles": ["stytch_member"]
        },
        "https://stytch.com/organization": {"organization_id": "organization-test-00000000-0000-4000-8000-000000000005", "slug": "bench-0"}
    });
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
    .into_bytes()
}

/// Call `f` until `budget` is spent (at least `min_iters` times); returns calls per second.
fn rate(budget: Duration, min_iters: u32, mut f: impl FnMut()) -> f64 {
    let t0 = Instant::now();
    let mut n = 0u64;
    while n < u64::from(min_iters) || t0.elapsed() < budget {
        f();
        n += 1;
    }
    n as f64 / t0.elapsed().as_secs_f64()
}

type Signer = Box<dyn FnMut(&[u8]) -> Vec<u8>>;
type Verifier = Box<dyn FnMut(&[u8], &[u8]) -> bool>;

fn candidates(der: &[u8]) -> anyhow::Result<Vec<(&'static str, &'static str, Signer, Verifier)>> {
    use rsa::traits::PublicKeyParts;
    let parsed = {
        use rsa::pkcs1::DecodeRsaPrivateKey;
        rsa::RsaPrivateKey::from_pkcs1_der(der)?
    };
    let (n, e) = (parsed.n().to_bytes_be(), parsed.e().to_bytes_be());
    let mut out: Vec<(&'static str, &'static str, Signer, Verifier)> = Vec::new();

    // aws-lc-rs 1 — AWS-LC (BoringSSL fork) assembly: what the mock signs with (src/jwt.rs). First:
    // the reference every other candidate's bytes are compared with, and the RS256 limit.
    {
        let key = aws_lc_rs::signature::RsaKeyPair::from_der(der)
            .map_err(|e| anyhow::anyhow!("aws-lc-rs: {e}"))?;
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pubkey = aws_lc_rs::signature::RsaPublicKeyComponents {
            n: n.clone(),
            e: e.clone(),
        };
        out.push((
            "aws-lc-rs 1",
            "the mock's signer (since issue 16); C build (cc, no cmake)",
            Box::new(move |m| {
                let mut sig = vec![0u8; key.public_modulus_len()];
                key.sign(&aws_lc_rs::signature::RSA_PKCS1_SHA256, &rng, m, &mut sig)
                    .expect("aws-lc-rs sign");
                sig
            }),
            Box::new(move |m, s| {
                pubkey
                    .verify(&aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256, m, s)
                    .is_ok()
            }),
        ));
    }
    // ring 0.17 — what jsonwebtoken 9 signs with; the mock verifies with it (and signed with it
    // before issue 16).
    {
        let key =
            ring::signature::RsaKeyPair::from_der(der).map_err(|e| anyhow::anyhow!("ring: {e}"))?;
        let rng = ring::rand::SystemRandom::new();
        let pubkey = ring::signature::RsaPublicKeyComponents {
            n: n.clone(),
            e: e.clone(),
        };
        out.push((
            "ring 0.17",
            "jsonwebtoken 9; the mock verifies with it",
            Box::new(move |m| {
                let mut sig = vec![0u8; key.public().modulus_len()];
                key.sign(&ring::signature::RSA_PKCS1_SHA256, &rng, m, &mut sig)
                    .expect("ring sign");
                sig
            }),
            Box::new(move |m, s| {
                pubkey
                    .verify(&ring::signature::RSA_PKCS1_2048_8192_SHA256, m, s)
                    .is_ok()
            }),
        ));
    }
    #[cfg(feature = "rsa-candidates")]
    // graviola 0.4 — pure Rust + formally verified s2n-bignum assembly (x86_64/aarch64 only).
    {
        let key = graviola::signing::rsa::SigningKey::from_pkcs1_der(der)
            .map_err(|e| anyhow::anyhow!("graviola: {e:?}"))?;
        let vk = key.public_key();
        out.push((
            "graviola 0.4",
            "pure Rust + verified asm; x86_64/aarch64 only; sign by hand",
            Box::new(move |m| {
                let mut sig = [0u8; 256];
                key.sign_pkcs1_sha256(&mut sig, m)
                    .expect("graviola sign")
                    .to_vec()
            }),
            Box::new(move |m, s| vk.verify_pkcs1_sha256(s, m).is_ok()),
        ));
    }
    #[cfg(feature = "rsa-candidates")]
    // OpenSSL 3 (system library) through the `openssl` crate.
    {
        use openssl::hash::MessageDigest;
        use openssl::pkey::PKey;
        let key = PKey::from_rsa(openssl::rsa::Rsa::private_key_from_der(der)?)?;
        let pubkey = PKey::from_rsa(openssl::rsa::Rsa::from_public_components(
            openssl::bn::BigNum::from_slice(&n)?,
            openssl::bn::BigNum::from_slice(&e)?,
        )?)?;
        out.push((
            "openssl 0.10 (OpenSSL 3.0)",
            "links the system libssl",
            Box::new(move |m| {
                let mut s = openssl::sign::Signer::new(MessageDigest::sha256(), &key)
                    .expect("openssl signer");
                s.update(m).expect("openssl update");
                s.sign_to_vec().expect("openssl sign")
            }),
            Box::new(move |m, sig| {
                let mut v = openssl::sign::Verifier::new(MessageDigest::sha256(), &pubkey)
                    .expect("openssl verifier");
                v.update(m).is_ok() && v.verify(sig).unwrap_or(false)
            }),
        ));
    }
    // RustCrypto `rsa` 0.9 — pure Rust; the mock already uses it for key generation.
    {
        use rsa::signature::{SignatureEncoding, Signer as _, Verifier as _};
        let key = rsa::pkcs1v15::SigningKey::<rsa::sha2::Sha256>::new(parsed.clone());
        let vk = rsa::pkcs1v15::VerifyingKey::<rsa::sha2::Sha256>::new(parsed.to_public_key());
        out.push((
            "rsa 0.9 (RustCrypto)",
            "pure Rust, not constant-time (RUSTSEC-2023-0071)",
            Box::new(move |m| key.sign(m).to_vec()),
            Box::new(move |m, s| {
                rsa::pkcs1v15::Signature::try_from(s).is_ok_and(|sig| vk.verify(m, &sig).is_ok())
            }),
        ));
    }
    Ok(out)
}

/// One core's RS256 signatures per second with aws-lc-rs, what the mock signs with, on the same
/// signing input as [`signing`].
pub fn mock_signs_per_sec(der: &[u8], budget: Duration) -> anyhow::Result<f64> {
    let msg = signing_input();
    let (_, _, mut sign, _) = candidates(der)?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no RS256 implementation"))?;
    Ok(rate(budget, 20, || {
        std::hint::black_box(sign(std::hint::black_box(&msg)));
    }))
}

/// Signing and verification rate of every candidate, `budget` each.
pub fn signing(der: &[u8], budget: Duration) -> anyhow::Result<Vec<SignResult>> {
    let msg = signing_input();
    let mut reference: Option<Vec<u8>> = None;
    let mut results = Vec::new();
    for (name, note, mut sign, mut verify) in candidates(der)? {
        let sig = sign(&msg);
        let reference = reference.get_or_insert_with(|| sig.clone());
        let agrees = &sig == reference && verify(&msg, &sig);
        let signs_per_sec = rate(budget, 20, || {
            std::hint::black_box(sign(std::hint::black_box(&msg)));
        });
        let verifies_per_sec = rate(budget / 2, 20, || {
            std::hint::black_box(verify(std::hint::black_box(&msg), &sig));
        });
        results.push(SignResult {
            name,
            note,
            signs_per_sec,
            verifies_per_sec,
            agrees,
        });
    }
    Ok(results)
}

/// 2048-bit key generation: the mock's seeded derivation and the fastest random generators.
pub fn keygen(samples: usize) -> anyhow::Result<Vec<KeygenResult>> {
    fn median_ms(
        samples: usize,
        mut f: impl FnMut(usize) -> anyhow::Result<()>,
    ) -> anyhow::Result<f64> {
        let mut ms = Vec::with_capacity(samples);
        for i in 0..samples {
            let t = Instant::now();
            f(i)?;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        Ok(crate::stats::median(&ms).unwrap_or(0.0))
    }
    #[allow(unused_mut)] // only the seeded derivation without `rsa-candidates`
    let mut out = vec![KeygenResult {
        name: "rsa 0.9, ChaCha20 seeded (the mock today)",
        note: "deterministic from the seed",
        median_ms: median_ms(samples, |i| seeded_key(10_000 + i as u64).map(|_| ()))?,
        samples,
    }];
    #[cfg(feature = "rsa-candidates")]
    out.extend([
        KeygenResult {
            name: "aws-lc-rs 1",
            note: "OS randomness: not derivable from the seed",
            median_ms: median_ms(samples, |_| {
                aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
                    .map(|_| ())
                    .map_err(|e| anyhow::anyhow!("{e}"))
            })?,
            samples,
        },
        KeygenResult {
            name: "graviola 0.4",
            note: "OS randomness: not derivable from the seed",
            median_ms: median_ms(samples, |_| {
                graviola::signing::rsa::SigningKey::generate(
                    graviola::signing::rsa::KeySize::Rsa2048,
                )
                .map(|_| ())
                .map_err(|e| anyhow::anyhow!("{e:?}"))
            })?,
            samples,
        },
        KeygenResult {
            name: "openssl 0.10",
            note: "OS randomness: not derivable from the seed",
            median_ms: median_ms(samples, |_| {
                openssl::rsa::Rsa::generate(2048)
                    .map(|_| ())
                    .map_err(Into::into)
            })?,
            samples,
        },
    ]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_candidate_signs_the_same_bytes_and_verifies() {
        let der = super::seeded_key(7).unwrap();
        let results = super::signing(&der, std::time::Duration::from_millis(1)).unwrap();
        assert_eq!(
            results.len(),
            // aws-lc-rs, ring and RustCrypto always; graviola and OpenSSL with the feature.
            if cfg!(feature = "rsa-candidates") {
                5
            } else {
                3
            }
        );
        for r in results {
            assert!(r.agrees, "{} disagrees with aws-lc-rs", r.name);
            assert!(r.signs_per_sec > 0.0);
        }
    }
}
