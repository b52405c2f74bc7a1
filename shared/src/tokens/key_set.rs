//! The verifying keys a service accepts: the current one first, then the previous ones
//! (`TOKENPAIR__PREVIOUS_VERIFYING_KEYS`), each with its algorithm and, for a public key,
//! its `kid` (the RFC 7638 SHA-256 thumbprint). [`Keys`] is the handle the codec reads on
//! every request and a key fetcher (`JWK_URL`) can swap a new set into.
//!
//! Which keys a token is tried against (`KeySet::candidates`):
//! * a `kid` in the header, in a set whose keys have kids: the key with that kid only
//!   (unknown kid: "Token is invalid", as a bad signature);
//! * no `kid` (HMAC tokens never carry one; nor do tokens PyJWT signed for a Django site),
//!   or a set without kids (HMAC, where PyJWT ignores a `kid`): every key of the header's
//!   algorithm, current first.
//!
//! In every case the header's `alg` must be the key's algorithm: a token "signed" with
//! the public key PEM as an HMAC secret is refused (algorithm confusion).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind};
use rsa::pkcs1::DecodeRsaPublicKey;
use rsa::traits::PublicKeyParts;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use super::keys::{algorithm_name, decoding_key, decoding_key_from_pem};
use crate::settings::{JwtSettings, SettingsError, require_rsa_bits};

/// One key a token may be verified with.
pub struct VerifyingKey {
    /// Tells this key's cached verifier apart from another key's on the same thread.
    pub(super) id: u64,
    algorithm: Algorithm,
    /// The RFC 7638 thumbprint of a public key; `None` for an HMAC secret.
    kid: Option<String>,
    pub(super) decoding: DecodingKey,
    /// The public JWK (with `kid`, `alg`, `use`); `None` for an HMAC secret.
    jwk: Option<Jwk>,
    /// The base64url header of tokens signed with this key's pair, as we write it: a token
    /// carrying exactly it needs no header parsing.
    header_segment: String,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key material: an HMAC secret is one.
        f.debug_struct("VerifyingKey")
            .field("algorithm", &self.algorithm)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl VerifyingKey {
    /// A key for `algorithm`; a public key gets its thumbprint as `kid`.
    pub fn new(decoding: DecodingKey, algorithm: Algorithm) -> Result<Self, SettingsError> {
        let (kid, jwk) = if decoding.family() == AlgorithmFamily::Hmac {
            (None, None)
        } else {
            let mut jwk = Jwk::from_decoding_key(&decoding, Some(algorithm)).map_err(|e| {
                SettingsError(format!(
                    "{}: cannot describe the public key as a JWK: {e}",
                    algorithm_name(algorithm)
                ))
            })?;
            let kid = thumbprint(&jwk)?;
            jwk.common.key_id = Some(kid.clone());
            jwk.common.public_key_use = Some(PublicKeyUse::Signature);
            (Some(kid), Some(jwk))
        };
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        Ok(Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            header_segment: header_segment(algorithm, kid.as_deref()),
            algorithm,
            kid,
            decoding,
            jwk,
        })
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The public JWK; `None` for an HMAC secret (never published).
    pub fn jwk(&self) -> Option<&Jwk> {
        self.jwk.as_ref()
    }

    pub(super) fn header_segment(&self) -> &str {
        &self.header_segment
    }
}

/// The RFC 7638 thumbprint (SHA-256, base64url): jsonwebtoken writes the required members
/// only, in lexicographic order, without whitespace (tested against RFC 7638 §3.1).
pub fn thumbprint(jwk: &Jwk) -> Result<String, SettingsError> {
    jwk.thumbprint(ThumbprintHash::SHA256)
        .map_err(|e| SettingsError(format!("cannot compute the key's thumbprint: {e}")))
}

/// The header PyJWT writes for `headers={"kid": ...}`: its keys sorted (`sort_headers`),
/// so `kid` sits between `alg` and `typ`; without a kid, simplejwt's header exactly.
fn header_segment(algorithm: Algorithm, kid: Option<&str>) -> String {
    let alg = algorithm_name(algorithm);
    let header = match kid {
        // A thumbprint needs no escaping; a kid from a JWKS might.
        Some(kid) => format!(
            r#"{{"alg":"{alg}","kid":{},"typ":"JWT"}}"#,
            serde_json::Value::from(kid)
        ),
        None => format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#),
    };
    URL_SAFE_NO_PAD.encode(header)
}

/// The keys a service accepts, the current one first. Immutable: a new set replaces it.
#[derive(Debug, Default)]
pub struct KeySet {
    keys: Vec<VerifyingKey>,
    /// Whether any key has a kid (a header's `kid` then selects the key).
    has_kids: bool,
}

/// The keys a token is tried against, in order.
pub(super) enum Candidates<'s> {
    One(&'s VerifyingKey),
    Algorithm(&'s [VerifyingKey], Algorithm),
}

impl<'s> Candidates<'s> {
    pub(super) fn iter(&self) -> impl Iterator<Item = &'s VerifyingKey> + '_ {
        let (keys, algorithm): (&'s [VerifyingKey], Option<Algorithm>) = match self {
            Self::One(key) => (std::slice::from_ref(*key), None),
            Self::Algorithm(keys, algorithm) => (keys, Some(*algorithm)),
        };
        keys.iter()
            .filter(move |key| algorithm.is_none_or(|a| key.algorithm == a))
    }
}

/// Why no key was chosen for a header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unchosen {
    /// Not base64url.
    Base64,
    /// Not a JSON object, or a `kid` that is not a string.
    Header,
    /// `alg` missing, or no key of this algorithm.
    Algorithm,
    /// A `kid` no key has.
    UnknownKid,
}

impl KeySet {
    /// `current` first, then `previous`, in order.
    pub fn new(keys: Vec<VerifyingKey>) -> Self {
        let has_kids = keys.iter().any(|key| key.kid.is_some());
        Self { keys, has_kids }
    }

    /// The settings' keys: `VERIFYING_KEY` (or the HMAC secret), then each of
    /// `TOKENPAIR.PREVIOUS_VERIFYING_KEYS`, checked with the same rules (HMAC length, RSA bits).
    pub fn from_settings(jwt: &JwtSettings) -> Result<Self, SettingsError> {
        jwt.require_verifying_key()?;
        let mut keys = vec![VerifyingKey::new(decoding_key(jwt)?, jwt.algorithm)?];
        for (at, previous) in jwt.previous_verifying_keys.iter().enumerate() {
            let setting = format!("TOKENPAIR.PREVIOUS_VERIFYING_KEYS[{at}]");
            let decoding = decoding_key_from_pem(jwt, &setting, previous.expose())?;
            keys.push(VerifyingKey::new(decoding, jwt.algorithm)?);
        }
        Ok(Self::new(keys))
    }

    /// The usable keys of a fetched JWKS for `algorithm` (simplejwt verifies with one
    /// algorithm): public keys whose `alg` is it (or absent) and whose `use` is `sig` (or
    /// absent). A key without `kid` gets its thumbprint. Secrets (`oct`) are never taken from
    /// a JWKS, and RSA keys below 2048 bits are refused like configured ones.
    /// Returns the set and how many keys were left out.
    pub fn from_jwks(set: &JwkSet, algorithm: Algorithm) -> (Self, usize) {
        let mut keys = Vec::with_capacity(set.keys.len());
        for jwk in &set.keys {
            if let Some(key) = usable_jwk(jwk, algorithm) {
                keys.push(key);
            }
        }
        let skipped = set.keys.len() - keys.len();
        (Self::new(keys), skipped)
    }

    pub fn keys(&self) -> &[VerifyingKey] {
        &self.keys
    }

    pub fn current(&self) -> Option<&VerifyingKey> {
        self.keys.first()
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key with this kid.
    pub fn find(&self, kid: &str) -> Option<&VerifyingKey> {
        self.keys.iter().find(|key| key.kid.as_deref() == Some(kid))
    }

    /// The public keys as a JWKS (current first); `{"keys":[]}` for HMAC.
    pub fn jwks(&self) -> JwkSet {
        JwkSet {
            keys: self.keys.iter().filter_map(|k| k.jwk.clone()).collect(),
        }
    }

    /// The keys to try for a token header (its raw base64url segment).
    pub(super) fn candidates(&self, segment: &[u8]) -> Result<Candidates<'_>, Unchosen> {
        // Our own headers (every token we issue) need no parsing.
        if let Some(key) = self
            .keys
            .iter()
            .find(|key| key.header_segment.as_bytes() == segment)
        {
            return Ok(match key.kid {
                Some(_) => Candidates::One(key),
                // HMAC keys share one header: try them all.
                None => Candidates::Algorithm(&self.keys, key.algorithm),
            });
        }
        let header = super::base64url::decode(segment).map_err(|_| Unchosen::Base64)?;
        let header: serde_json::Value =
            serde_json::from_slice(&header).map_err(|_| Unchosen::Header)?;
        let header = header.as_object().ok_or(Unchosen::Header)?;
        // PyJWT insists that a `kid` is a string; any `typ` is fine.
        let kid = match header.get("kid") {
            None => None,
            Some(serde_json::Value::String(kid)) => Some(kid.as_str()),
            Some(_) => return Err(Unchosen::Header),
        };
        let alg = header
            .get("alg")
            .and_then(serde_json::Value::as_str)
            .ok_or(Unchosen::Algorithm)?;
        let algorithm = self
            .keys
            .iter()
            .map(|key| key.algorithm)
            .find(|a| algorithm_name(*a) == alg)
            .ok_or(Unchosen::Algorithm)?;
        match kid {
            Some(kid) if self.has_kids => {
                let key = self.find(kid).ok_or(Unchosen::UnknownKid)?;
                if key.algorithm != algorithm {
                    return Err(Unchosen::Algorithm);
                }
                Ok(Candidates::One(key))
            }
            _ => Ok(Candidates::Algorithm(&self.keys, algorithm)),
        }
    }
}

fn usable_jwk(jwk: &Jwk, algorithm: Algorithm) -> Option<VerifyingKey> {
    if jwk
        .common
        .public_key_use
        .as_ref()
        .is_some_and(|u| *u != PublicKeyUse::Signature)
    {
        return None;
    }
    if let Some(alg) = jwk.common.key_algorithm
        && Algorithm::try_from(alg).ok() != Some(algorithm)
    {
        return None;
    }
    let decoding = DecodingKey::from_jwk(jwk).ok()?;
    if decoding.family() != algorithm.family() || decoding.family() == AlgorithmFamily::Hmac {
        return None;
    }
    if decoding.family() == AlgorithmFamily::Rsa {
        let bits = match decoding.kind() {
            DecodingKeyKind::RsaModulusExponent { n, .. } => rsa::BigUint::from_bytes_be(n).bits(),
            DecodingKeyKind::SecretOrDer(der) => {
                rsa::RsaPublicKey::from_pkcs1_der(der).ok()?.n().bits()
            }
        };
        require_rsa_bits("JWK", algorithm, bits).ok()?;
    }
    let mut key = VerifyingKey::new(decoding, algorithm).ok()?;
    // The publisher's kid is what its tokens carry, whatever it is.
    if let (Some(kid), Some(published)) = (jwk.common.key_id.as_ref(), key.jwk.as_mut()) {
        published.common.key_id = Some(kid.clone());
        key.header_segment = header_segment(algorithm, Some(kid));
        key.kid = Some(kid.clone());
    }
    Some(key)
}

/// The key set a service verifies with, replaceable while it runs (a key fetcher swaps a
/// new set in). Reading it is one uncontended read lock and an `Arc` clone: no allocation.
#[derive(Debug)]
pub struct Keys(RwLock<Arc<KeySet>>);

impl Keys {
    pub fn new(set: KeySet) -> Self {
        Self(RwLock::new(Arc::new(set)))
    }

    /// The set in force now; later replacements do not change what the caller holds.
    pub fn current(&self) -> Arc<KeySet> {
        // A panic elsewhere while swapping leaves a whole `Arc` in place: still usable.
        Arc::clone(&self.0.read().unwrap_or_else(PoisonError::into_inner))
    }

    pub fn replace(&self, set: KeySet) {
        *self.0.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(set);
    }
}

#[cfg(test)]
mod tests;
