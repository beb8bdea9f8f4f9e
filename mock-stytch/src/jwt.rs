//! Session JWTs: RS256, `kid`, `typ: JWT`, the claim set of CONTRACT §2.8, and the JWKS that
//! lets the official SDKs verify them locally.
//!
//! The RSA key derives from the seed (ChaCha20 seeded from it) and is stored in `meta`, so a JWT
//! issued before a restart verifies after it. Key generation is the expensive part; it happens
//! once per database (and once per seed per process, cached). Signing uses ring through
//! `jsonwebtoken`. This module never accepts another algorithm than RS256.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use sqlx::SqliteConnection;

use crate::db::{get_meta, set_meta};
use crate::ids::Ids;

/// Lifetime of every session JWT, independent of the session's own length.
pub const JWT_LIFETIME_SECONDS: i64 = 300;

pub struct Signer {
    pub kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// The public key as a JWK, with every field Python's `get_jwks()` model requires.
    pub jwk: Value,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer").field("kid", &self.kid).finish_non_exhaustive()
    }
}

/// Keys generated in this process, by seed: tests open many instances with the same seed.
fn cache() -> &'static Mutex<HashMap<u64, Vec<u8>>> {
    static CACHE: OnceLock<Mutex<HashMap<u64, Vec<u8>>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

impl Signer {
    /// The stored key, or a new one derived from the seed (then stored).
    pub async fn load_or_create(conn: &mut SqliteConnection, ids: &Ids) -> anyhow::Result<Arc<Signer>> {
        let der = match get_meta(conn, "jwt_signing_key").await? {
            Some(b64) => STANDARD.decode(b64)?,
            None => {
                let der = key_for_seed(ids.seed())?;
                set_meta(conn, "jwt_signing_key", &STANDARD.encode(&der)).await?;
                der
            }
        };
        let kid = format!("jwk-test-{}", crate::ids::uuid_from(&ids.derive("jwk", b"")));
        Ok(Arc::new(Signer::from_der(kid, &der)?))
    }

    fn from_der(kid: String, der: &[u8]) -> anyhow::Result<Signer> {
        let key = rsa::RsaPrivateKey::from_pkcs1_der(der)?;
        let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
        let decoding = DecodingKey::from_rsa_components(&n, &e)?;
        let jwk = json!({
            "kty": "RSA", "use": "sig", "key_ops": ["verify"], "alg": "RS256", "kid": kid,
            "n": n, "e": e, "x5c": [], "x5tS256": "", "x5t#S256": "",
        });
        Ok(Signer { kid, encoding: EncodingKey::from_rsa_der(der), decoding, jwk })
    }

    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        header.typ = Some("JWT".into());
        jsonwebtoken::encode(&header, claims, &self.encoding).unwrap_or_else(|e| {
            tracing::error!(error = %e, "JWT signing failed");
            String::new()
        })
    }

    /// Verify signature, audience and issuer — not expiry: Stytch's sessions.authenticate accepts
    /// an expired JWT whose session is still alive (§2.7). Returns the claims.
    pub fn verify(&self, jwt: &str, project_id: &str) -> Option<Value> {
        let mut v = Validation::new(Algorithm::RS256);
        v.validate_exp = false;
        v.validate_nbf = false;
        v.set_audience(&[project_id]);
        v.set_issuer(&[format!("stytch.com/{project_id}")]);
        v.set_required_spec_claims(&["sub", "aud", "iss"]);
        jsonwebtoken::decode::<Value>(jwt, &self.decoding, &v).ok().map(|d| d.claims)
    }
}

/// PKCS#1 DER of a 2048-bit RSA key derived from `seed`.
fn key_for_seed(seed: u64) -> anyhow::Result<Vec<u8>> {
    if let Some(der) = cache().lock().unwrap_or_else(|p| p.into_inner()).get(&seed) {
        return Ok(der.clone());
    }
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let key = rsa::RsaPrivateKey::new(&mut rng, 2048)?;
    let der = key.to_pkcs1_der()?.as_bytes().to_vec();
    cache().lock().unwrap_or_else(|p| p.into_inner()).insert(seed, der.clone());
    Ok(der)
}
