//! Session JWTs: RS256, `kid`, `typ: JWT`, the claim set of CONTRACT §2.8, and the JWKS that
//! lets the official SDKs verify them locally.
//!
//! The RSA key derives from the seed (ChaCha20 seeded from it) and is stored in `meta`, so a JWT
//! issued before a restart verifies after it. Key generation is the expensive part (~0.5 s); it
//! happens once per database (and once per seed per process, cached), and never on the startup
//! path: a fresh database starts serving at once while [`SigningKey::generate_in_background`]
//! derives the key on a blocking thread, publishes it, then stores it. Only requests that sign
//! or verify a JWT (or serve the JWKS) wait for it. Signing uses aws-lc-rs: on a CPU with
//! AVX-512 IFMA it signs RSA-2048 2.2× as fast as ring (262 against 587 µs here, BENCHMARKS.md),
//! and a signature is most of a login's CPU. The bytes are the ones `jsonwebtoken::encode`
//! (ring) makes: PKCS#1 v1.5 is deterministic, and a test holds the two side by side.
//! Verification stays with `jsonwebtoken`.
//! A restore ([`crate::snapshot`]) replaces the key with the snapshot's ([`SigningKey::replace`]):
//! a new [`Signer`], so its memo and JWK go with it.
//!
//! A session JWT is made in two steps so the ~1 ms signature is never made under the write lock:
//! inside the transaction the claims are fixed ([`Unsigned`], with the transaction's clock
//! reading), and the signature is made from a [`Committed`] proof ([`Unsigned::sign`],
//! [`SignLater::finish`]). Same claims, same bytes: answers do not change.
//! This module never accepts another algorithm than RS256, and never logs key material.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use crate::db::Conn;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};

use tokio::sync::watch;

use crate::db::{Committed, get_meta, set_meta};
use crate::error::{ApiError, ApiResult};
use crate::http::Reply;
use crate::ids::Ids;
use crate::state::AppState;

/// Lifetime of every session JWT, independent of the session's own length.
pub const JWT_LIFETIME_SECONDS: i64 = 300;

pub struct Signer {
    pub kid: String,
    /// The private key as stored in `meta.jwt_signing_key` (PKCS#1 DER); never logged.
    der: Vec<u8>,
    signing: RsaKeyPair,
    /// The JOSE header, base64url (`typ`, `alg`, `kid`: the same for every JWT of this key).
    header: String,
    decoding: DecodingKey,
    /// The public key as a JWK, with every field Python's `get_jwks()` model requires.
    pub jwk: Value,
    /// Recent claim sets → their JWT. RS256 (PKCS#1 v1.5) is deterministic, so the same claims
    /// always sign to the same bytes: answering from here is indistinguishable from signing
    /// again, and saves ~1 ms of CPU when a session is authenticated many times within one
    /// (virtual) second. Bounded: cleared when full.
    memo: Mutex<HashMap<String, String>>,
}

/// How many claim sets [`Signer::sign`] remembers.
const SIGN_MEMO_CAPACITY: usize = 1024;

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// Keys generated in this process, by seed: tests open many instances with the same seed.
fn cache() -> &'static Mutex<HashMap<u64, Vec<u8>>> {
    static CACHE: OnceLock<Mutex<HashMap<u64, Vec<u8>>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The project's signing key as handlers get it: ready at once when the database holds it,
/// otherwise once the background generation has published it.
#[derive(Clone, Debug)]
pub struct SigningKey {
    tx: Arc<watch::Sender<Option<Arc<Signer>>>>,
}

impl SigningKey {
    /// The stored key (ready), or a pending key and `true`: the caller must then start
    /// [`SigningKey::generate_in_background`].
    pub async fn load(conn: &mut Conn, ids: &Ids) -> anyhow::Result<(SigningKey, bool)> {
        let signer = match get_meta(conn, "jwt_signing_key").await? {
            Some(b64) => Some(Arc::new(Signer::from_der(
                kid(ids),
                &STANDARD.decode(b64)?,
            )?)),
            None => None,
        };
        let pending = signer.is_none();
        let (tx, _) = watch::channel(signer);
        Ok((SigningKey { tx: Arc::new(tx) }, pending))
    }

    /// Derive the key from the seed on a blocking thread, publish it, then store it in `meta`.
    /// If storing fails (the mock stopped first), the next start derives the same key again.
    pub fn generate_in_background(state: AppState) {
        tokio::spawn(async move {
            let seed = state.ids.seed();
            let der = match tokio::task::spawn_blocking(move || key_for_seed(seed)).await {
                Ok(Ok(der)) => der,
                Ok(Err(e)) => return tracing::error!(error = %e, "signing key generation failed"),
                Err(e) => return tracing::error!(error = %e, "signing key generation panicked"),
            };
            match Signer::from_der(kid(&state.ids), &der) {
                Ok(signer) => {
                    // A restore may have published the (same seed's) key first: keep it.
                    state.signing.tx.send_if_modified(|slot| {
                        if slot.is_some() {
                            return false;
                        }
                        *slot = Some(Arc::new(signer));
                        true
                    });
                }
                Err(e) => return tracing::error!(error = %e, "generated signing key does not load"),
            }
            let stored = async {
                let mut tx = state.db.write().await?;
                if get_meta(&mut tx, "jwt_signing_key").await?.is_none() {
                    set_meta(&mut tx, "jwt_signing_key", &STANDARD.encode(&der)).await?;
                }
                tx.commit(&state.ids).await
            };
            if let Err(e) = stored.await {
                tracing::warn!(error = %e, "could not store the signing key; the next start derives it again");
            }
        });
    }

    /// The key in `meta`'s form (base64 of the PKCS#1 DER), once it is ready.
    pub fn stored_form(&self) -> Option<String> {
        self.tx
            .borrow()
            .as_ref()
            .map(|signer| STANDARD.encode(&signer.der))
    }

    /// Serve `stored` (`meta`'s form) from now on, unless it is the key already served. A new
    /// key comes with an empty signature memo and its own JWK.
    pub fn replace(&self, ids: &Ids, stored: &str) -> anyhow::Result<()> {
        if self.stored_form().as_deref() == Some(stored) {
            return Ok(());
        }
        let signer = Signer::from_der(kid(ids), &STANDARD.decode(stored)?)?;
        self.tx.send_replace(Some(Arc::new(signer)));
        Ok(())
    }

    /// The key, waiting for the background generation on a fresh database. A generation that
    /// failed (logged) is a 500.
    pub async fn get(&self) -> ApiResult<Arc<Signer>> {
        let mut rx = self.tx.subscribe();
        let ready = rx
            .wait_for(Option::is_some)
            .await
            .map_err(|_| ApiError::internal())?;
        ready.as_ref().cloned().ok_or_else(ApiError::internal)
    }

    /// Whether the key is available without waiting.
    pub fn is_ready(&self) -> bool {
        self.tx.borrow().is_some()
    }
}

fn kid(ids: &Ids) -> String {
    format!(
        "jwk-test-{}",
        crate::ids::uuid_from(&ids.derive("jwk", b""))
    )
}

impl Signer {
    fn from_der(kid: String, der: &[u8]) -> anyhow::Result<Signer> {
        let key = rsa::RsaPrivateKey::from_pkcs1_der(der)?;
        let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
        let decoding = DecodingKey::from_rsa_components(&n, &e)?;
        let jwk = json!({
            "kty": "RSA", "use": "sig", "key_ops": ["verify"], "alg": "RS256", "kid": kid,
            "n": n, "e": e, "x5c": [], "x5tS256": "", "x5t#S256": "",
        });
        let signing = RsaKeyPair::from_der(der).map_err(|e| anyhow::anyhow!("signing key: {e}"))?;
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.clone());
        header.typ = Some("JWT".into());
        let header = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header)?);
        Ok(Signer {
            kid,
            der: der.to_vec(),
            signing,
            header,
            decoding,
            jwk,
            memo: Mutex::default(),
        })
    }

    pub fn sign(&self, claims: &Value) -> String {
        let key = claims.to_string();
        if let Some(jwt) = self
            .memo
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
        {
            return jwt.clone();
        }
        let jwt = match self.sign_now(&key) {
            Ok(jwt) => jwt,
            Err(e) => {
                tracing::error!(error = %e, "JWT signing failed");
                return String::new();
            }
        };
        let mut memo = self.memo.lock().unwrap_or_else(|p| p.into_inner());
        if memo.len() >= SIGN_MEMO_CAPACITY {
            memo.clear();
        }
        memo.insert(key, jwt.clone());
        jwt
    }

    /// `header.claims.signature`, as `jsonwebtoken::encode` lays it out (`claims` is the claim
    /// set's compact JSON).
    fn sign_now(&self, claims: &str) -> Result<String, aws_lc_rs::error::Unspecified> {
        let message = format!("{}.{}", self.header, URL_SAFE_NO_PAD.encode(claims));
        let mut signature = vec![0; self.signing.public_modulus_len()];
        self.signing.sign(
            &RSA_PKCS1_SHA256,
            &aws_lc_rs::rand::SystemRandom::new(),
            message.as_bytes(),
            &mut signature,
        )?;
        Ok(format!("{message}.{}", URL_SAFE_NO_PAD.encode(signature)))
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
        jsonwebtoken::decode::<Value>(jwt, &self.decoding, &v)
            .ok()
            .map(|d| d.claims)
    }
}

/// The claim set of a session JWT, fixed inside the write transaction; signed after its commit.
#[derive(Debug)]
#[must_use = "an unsigned JWT is signed after the commit"]
pub struct Unsigned(Value);

impl Unsigned {
    pub fn new(claims: Value) -> Unsigned {
        Unsigned(claims)
    }

    /// Sign, once the request's writes are committed (outside the write lock).
    pub async fn sign(self, state: &AppState, _: Committed) -> ApiResult<String> {
        Ok(state.signing.get().await?.sign(&self.0))
    }
}

/// A reply whose `session_jwt` field is still to be signed: built inside the transaction (the
/// field already holds a placeholder, so the key keeps its place), finished after the commit.
#[derive(Debug)]
#[must_use = "finish the reply after the commit"]
pub struct SignLater {
    reply: Reply,
    jwt: Option<Unsigned>,
}

impl SignLater {
    /// `reply` must carry the `session_jwt` key when `jwt` is `Some`.
    pub fn new(reply: Reply, jwt: Option<Unsigned>) -> SignLater {
        SignLater { reply, jwt }
    }

    pub fn with(mut self, key: &str, value: impl serde::Serialize) -> SignLater {
        self.reply = self.reply.with(key, value);
        self
    }

    pub fn without(mut self, key: &str) -> SignLater {
        self.reply.0.remove(key);
        self
    }

    /// Sign the JWT (if any) into `session_jwt`: after the commit, outside the write lock.
    pub async fn finish(mut self, state: &AppState, done: Committed) -> ApiResult<Reply> {
        if let Some(jwt) = self.jwt {
            let signed = jwt.sign(state, done).await?;
            self.reply
                .0
                .insert("session_jwt".to_owned(), Value::String(signed));
        }
        Ok(self.reply)
    }
}

/// PKCS#1 DER of a 2048-bit RSA key derived from `seed`.
pub fn key_for_seed(seed: u64) -> anyhow::Result<Vec<u8>> {
    if let Some(der) = cache().lock().unwrap_or_else(|p| p.into_inner()).get(&seed) {
        return Ok(der.clone());
    }
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let key = rsa::RsaPrivateKey::new(&mut rng, 2048)?;
    let der = key.to_pkcs1_der()?.as_bytes().to_vec();
    cache()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(seed, der.clone());
    Ok(der)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// aws-lc's JWT is byte for byte the one `jsonwebtoken::encode` (ring) makes from the same
    /// key and claims, and it verifies.
    #[test]
    fn signing_makes_the_bytes_jsonwebtoken_makes() {
        let key = rsa::RsaPrivateKey::new(&mut ChaCha20Rng::seed_from_u64(7), 2048).unwrap();
        let der = key.to_pkcs1_der().unwrap();
        let signer = Signer::from_der("jwk-test-1".into(), der.as_bytes()).unwrap();
        let claims = json!({
            "sub": "member-test-1", "aud": ["project-test-1"], "iss": "stytch.com/project-test-1",
            "iat": 1_893_456_000, "exp": 1_893_456_300, "https://stytch.com/session": {"id": "é"},
        });
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some("jwk-test-1".into());
        header.typ = Some("JWT".into());
        let by_ring = jsonwebtoken::encode(
            &header,
            &claims,
            &jsonwebtoken::EncodingKey::from_rsa_der(der.as_bytes()),
        )
        .unwrap();
        let signed = signer.sign(&claims);
        assert_eq!(signed, by_ring);
        assert_eq!(signer.verify(&signed, "project-test-1"), Some(claims));
    }
}
