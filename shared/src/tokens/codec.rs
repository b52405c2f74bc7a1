//! JWS compact serialisation byte for byte as PyJWT writes it.
//!
//! jsonwebtoken's `encode`/`decode` cannot be used: they write `typ` before
//! `alg`, serialise the payload without ASCII escaping and apply their own claim
//! rules. We build the JSON ourselves and only borrow its signature primitives.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::crypto::{self, JwtVerifier, rust_crypto::DEFAULT_PROVIDER};
use jsonwebtoken::{Algorithm, EncodingKey};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::sync::Arc;

use super::ascii_json::ascii_json;
use super::base64url;
use super::key_set::{KeySet, Keys, Unchosen, VerifyingKey};
use super::keys::encoding_key;
use crate::settings::{JwtSettings, SettingsError};

/// A token payload: claims in insertion order, as simplejwt keeps them.
pub type Claims = Map<String, Value>;

/// Why a token could not be decoded. Clients only ever see "Token is invalid";
/// the reason is for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    Segments,
    Base64,
    Header,
    Algorithm,
    /// A `kid` no key in the set has (a key fetcher may look again).
    UnknownKey,
    Signature,
    Claims,
}

/// Signing failed (only possible with a broken asymmetric key).
#[derive(Debug, thiserror::Error)]
#[error("could not sign the token: {0}")]
pub struct SignError(String);

/// Signs with the settings' key and verifies with a [`Keys`] set (the settings' keys, or a
/// set a key fetcher replaces while the service runs).
pub struct Codec {
    algorithm: Algorithm,
    signer: Option<Signer>,
    keys: Arc<Keys>,
}

/// The signing key and the header of every token it signs (with its `kid` when public).
struct Signer {
    key: EncodingKey,
    header_segment: String,
    kid: Option<String>,
}

impl std::fmt::Debug for Codec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Codec")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl Codec {
    /// Keys for issuing and verifying (auth-service). A mismatched key pair is
    /// caught here, at start-up, rather than as "Token is invalid" for everyone.
    pub fn for_signing(jwt: &JwtSettings) -> Result<Self, SettingsError> {
        jwt.require_signing_key()?;
        let set = KeySet::from_settings(jwt)?;
        let key = encoding_key(jwt)?;
        let current = set
            .current()
            .ok_or_else(|| SettingsError("SIMPLE_JWT.VERIFYING_KEY: no verifying key".into()))?;
        // The current verifying key is the signing key's pair (checked below), so its
        // thumbprint is the signing key's.
        let signer = Signer {
            key,
            header_segment: current.header_segment().to_owned(),
            kid: current.kid().map(str::to_owned),
        };
        let probe = sign(&signer, jwt.algorithm, &Claims::new())
            .map_err(|e| SettingsError(format!("SIMPLE_JWT.SIGNING_KEY: {e}")))?;
        // Against the current key alone: a previous key that happens to verify is no pair.
        let (input, signature) = split_last_dot(probe.as_bytes()).unwrap_or_default();
        let verified = b64(signature)
            .is_ok_and(|signature| verify_signature(current, input, &signature).is_ok());
        if !verified {
            return Err(SettingsError(
                "SIMPLE_JWT.VERIFYING_KEY: does not verify what SIGNING_KEY signs (not a key pair)"
                    .into(),
            ));
        }
        Ok(Self {
            algorithm: jwt.algorithm,
            signer: Some(signer),
            keys: Arc::new(Keys::new(set)),
        })
    }

    /// Keys for verifying only (protected-service): the settings' current and previous keys.
    pub fn for_verifying(jwt: &JwtSettings) -> Result<Self, SettingsError> {
        let set = KeySet::from_settings(jwt)?;
        Ok(Self::with_keys(jwt.algorithm, Arc::new(Keys::new(set))))
    }

    /// Verifying with a key set someone else keeps up to date (a `JWK_URL` fetcher).
    pub fn with_keys(algorithm: Algorithm, keys: Arc<Keys>) -> Self {
        Self {
            algorithm,
            signer: None,
            keys,
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The key set this codec verifies with.
    pub fn keys(&self) -> &Arc<Keys> {
        &self.keys
    }

    /// The `kid` of the tokens this codec signs (`None` for HMAC or a verifier).
    pub fn signing_kid(&self) -> Option<&str> {
        self.signer.as_ref().and_then(|s| s.kid.as_deref())
    }

    /// `header.payload.signature`, payload as compact ASCII-escaped JSON.
    pub fn encode(&self, payload: &Claims) -> Result<String, SignError> {
        let signer = self
            .signer
            .as_ref()
            .ok_or_else(|| SignError("this service has no signing key".into()))?;
        sign(signer, self.algorithm, payload)
    }

    /// PyJWT's `decode_complete` up to (not including) the claim checks:
    /// segments, header, pinned algorithm, key by `kid`, signature, payload object.
    pub fn decode(&self, token: &[u8]) -> Result<Claims, DecodeError> {
        let payload = self.verified_payload(token)?;
        match serde_json::from_slice::<Value>(&payload) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(DecodeError::Claims),
        }
    }

    /// [`Self::decode`] without the payload's parsing: its bytes, once the signature holds.
    pub fn verified_payload(&self, token: &[u8]) -> Result<Vec<u8>, DecodeError> {
        let (signing_input, signature) = split_last_dot(token).ok_or(DecodeError::Segments)?;
        let (header, payload) = split_first_dot(signing_input).ok_or(DecodeError::Segments)?;
        let set = self.keys.current();
        let candidates = set.candidates(header).map_err(|unchosen| match unchosen {
            Unchosen::Base64 => DecodeError::Base64,
            Unchosen::Header => DecodeError::Header,
            Unchosen::Algorithm => DecodeError::Algorithm,
            Unchosen::UnknownKid => DecodeError::UnknownKey,
        })?;
        let payload = b64(payload)?;
        let signature = b64(signature)?;
        // Current key first; a previous key only for tokens signed before a rotation.
        if !candidates
            .iter()
            .any(|key| verify_signature(key, signing_input, &signature).is_ok())
        {
            return Err(DecodeError::Signature);
        }
        Ok(payload)
    }
}

fn sign(signer: &Signer, algorithm: Algorithm, payload: &Claims) -> Result<String, SignError> {
    let mut token = String::with_capacity(256);
    token.push_str(&signer.header_segment);
    token.push('.');
    URL_SAFE_NO_PAD.encode_string(ascii_json(payload), &mut token);
    let signature = crypto::sign(token.as_bytes(), &signer.key, algorithm)
        .map_err(|e| SignError(e.to_string()))?;
    token.push('.');
    token.push_str(&signature);
    Ok(token)
}

/// How many keys' verifiers a worker thread keeps: the current key and a few previous ones.
const CACHED_VERIFIERS: usize = 4;

thread_local! {
    /// jsonwebtoken's verifier holds the keyed HMAC state (two hash blocks of key
    /// setup) or the parsed public key, but is not `Sync`: one per key and worker thread,
    /// built on first use rather than on every request.
    static VERIFIERS: RefCell<Vec<(u64, Box<dyn JwtVerifier>)>> = const { RefCell::new(Vec::new()) };
}

fn verify_signature(
    key: &VerifyingKey,
    input: &[u8],
    signature: &Vec<u8>,
) -> Result<(), DecodeError> {
    VERIFIERS.with(|cell| {
        let mut cache = cell.try_borrow_mut().map_err(|_| DecodeError::Signature)?;
        let at = match cache.iter().position(|(id, _)| *id == key.id) {
            Some(at) => at,
            None => {
                let verifier = (DEFAULT_PROVIDER.verifier_factory)(&key.algorithm(), &key.decoding)
                    .map_err(|_| DecodeError::Signature)?;
                if cache.len() >= CACHED_VERIFIERS {
                    // The oldest: keys replaced by a rotation or a fetch are not used again.
                    cache.remove(0);
                }
                cache.push((key.id, verifier));
                cache.len() - 1
            }
        };
        cache[at]
            .1
            .verify(input, signature)
            .map_err(|_| DecodeError::Signature)
    })
}

// memchr: a token is a few hundred bytes, scanned twice per request.
fn split_last_dot(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = memchr::memrchr(b'.', bytes)?;
    Some((&bytes[..at], &bytes[at + 1..]))
}

fn split_first_dot(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = memchr::memchr(b'.', bytes)?;
    Some((&bytes[..at], &bytes[at + 1..]))
}

fn b64(segment: &[u8]) -> Result<Vec<u8>, DecodeError> {
    base64url::decode(segment).map_err(|_| DecodeError::Base64)
}

#[cfg(test)]
mod tests;
