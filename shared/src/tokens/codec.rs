//! JWS compact serialisation byte for byte as PyJWT writes it.
//!
//! jsonwebtoken's `encode`/`decode` cannot be used: they write `typ` before
//! `alg`, serialise the payload without ASCII escaping and apply their own claim
//! rules. We build the JSON ourselves and only borrow its signature primitives.

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use jsonwebtoken::crypto::{self, JwtVerifier, rust_crypto::DEFAULT_PROVIDER};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::ascii_json::ascii_json;
use super::keys::{algorithm_name, decoding_key, encoding_key};
use crate::jwks::JwksKeys;
use crate::settings::{JwtSettings, SettingsError};

/// A token payload: claims in insertion order, as simplejwt keeps them.
pub type Claims = Map<String, Value>;

/// Python's base64 decoder is lenient about padding and trailing bits; so are we.
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Why a token could not be decoded. Clients only ever see "Token is invalid";
/// the reason is for logs and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    Segments,
    Base64,
    Header,
    Algorithm,
    Signature,
    Claims,
    /// With `JWK_URL`: the token names no `kid`, or one the fetched set does not hold.
    UnknownKey,
    /// With `JWK_URL`: no key set has been fetched yet.
    NoKeys,
}

/// Signing failed (only possible with a broken asymmetric key).
#[derive(Debug, thiserror::Error)]
#[error("could not sign the token: {0}")]
pub struct SignError(String);

/// Signs and verifies with the keys of the settings, decoded once.
pub struct Codec {
    /// Tells this codec's cached verifier apart from another codec's on the same thread.
    id: u64,
    algorithm: Algorithm,
    header_segment: String,
    encoding: Option<EncodingKey>,
    verifying: Verifying,
}

/// Where the verifying key comes from.
enum Verifying {
    /// The settings' key (HMAC secret or PEM public key).
    Configured(DecodingKey),
    /// The JWKS at `JWK_URL`, by the token's `kid`.
    Fetched(Arc<JwksKeys>),
}

/// A process-wide unique id for a decoded key (a codec's own, or one fetched from a JWKS):
/// the key of the per-thread verifier cache.
pub(crate) fn new_key_id() -> u64 {
    static NEXT_ID: AtomicU64 = AtomicU64::new(0);
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
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
        jwt.require_verifying_key()?;
        if jwt.verifying_key.is_none() && jwt.jwk_url_verifies().is_some() {
            return Err(SettingsError(format!(
                "SIMPLE_JWT.VERIFYING_KEY: no verifying key: the service that signs verifies \
                 {} tokens with the PEM public key in SIMPLE_JWT__VERIFYING_KEY (JWK_URL is \
                 for resource services)",
                algorithm_name(jwt.algorithm)
            )));
        }
        let codec = Self {
            encoding: Some(encoding_key(jwt)?),
            ..Self::with_keys(jwt, Verifying::Configured(decoding_key(jwt)?))
        };
        let probe = codec
            .encode(&Claims::new())
            .map_err(|e| SettingsError(format!("SIMPLE_JWT.SIGNING_KEY: {e}")))?;
        if codec.decode(probe.as_bytes()).is_err() {
            return Err(SettingsError(
                "SIMPLE_JWT.VERIFYING_KEY: does not verify what SIGNING_KEY signs (not a key pair)"
                    .into(),
            ));
        }
        Ok(codec)
    }

    /// Keys for verifying only (protected-service): the configured key, or with `JWK_URL` (and
    /// an asymmetric algorithm) an empty [`JwksKeys`] that the service starts
    /// ([`Codec::jwks`], [`JwksKeys::start`]).
    pub fn for_verifying(jwt: &JwtSettings) -> Result<Self, SettingsError> {
        jwt.require_verifying_key()?;
        let verifying = match jwt.jwk_url_verifies() {
            Some(url) => Verifying::Fetched(Arc::new(JwksKeys::new(url, jwt.algorithm))),
            None => Verifying::Configured(decoding_key(jwt)?),
        };
        Ok(Self::with_keys(jwt, verifying))
    }

    fn with_keys(jwt: &JwtSettings, verifying: Verifying) -> Self {
        let header = format!(
            r#"{{"alg":"{}","typ":"JWT"}}"#,
            algorithm_name(jwt.algorithm)
        );
        Self {
            id: new_key_id(),
            algorithm: jwt.algorithm,
            header_segment: URL_SAFE_NO_PAD.encode(header),
            encoding: None,
            verifying,
        }
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The fetched key set, when this codec verifies with `JWK_URL`'s keys.
    pub fn jwks(&self) -> Option<&Arc<JwksKeys>> {
        match &self.verifying {
            Verifying::Fetched(jwks) => Some(jwks),
            Verifying::Configured(_) => None,
        }
    }

    /// `header.payload.signature`, payload as compact ASCII-escaped JSON.
    pub fn encode(&self, payload: &Claims) -> Result<String, SignError> {
        let key = self
            .encoding
            .as_ref()
            .ok_or_else(|| SignError("this service has no signing key".into()))?;
        let mut token = String::with_capacity(256);
        token.push_str(&self.header_segment);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(ascii_json(payload), &mut token);
        let signature = crypto::sign(token.as_bytes(), key, self.algorithm)
            .map_err(|e| SignError(e.to_string()))?;
        token.push('.');
        token.push_str(&signature);
        Ok(token)
    }

    /// PyJWT's `decode_complete` up to (not including) the claim checks:
    /// segments, header, pinned algorithm, signature, payload object.
    pub fn decode(&self, token: &[u8]) -> Result<Claims, DecodeError> {
        let (signing_input, signature) = split_last_dot(token).ok_or(DecodeError::Segments)?;
        let (header, payload) = split_first_dot(signing_input).ok_or(DecodeError::Segments)?;
        let kid = match &self.verifying {
            // Our own header (every token we issue) needs no parsing.
            Verifying::Configured(_) if header == self.header_segment.as_bytes() => None,
            _ => self.check_header(&b64(header)?)?,
        };
        let payload = b64(payload)?;
        let signature = b64(signature)?;
        match &self.verifying {
            Verifying::Configured(key) => {
                self.verify_signature(self.id, key, signing_input, &signature)?;
            }
            Verifying::Fetched(jwks) => {
                let set = jwks.current().ok_or(DecodeError::NoKeys)?;
                // PyJWKClient's rule: a token without `kid` matches no key of a set.
                let Some(found) = kid.as_deref().and_then(|kid| set.find(kid)) else {
                    if kid.is_some() {
                        jwks.unknown_kid();
                    }
                    return Err(DecodeError::UnknownKey);
                };
                self.verify_signature(found.id, &found.key, signing_input, &signature)?;
            }
        }

        match serde_json::from_slice::<Value>(&payload) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(DecodeError::Claims),
        }
    }
}

thread_local! {
    /// jsonwebtoken's verifier holds the keyed HMAC state (two hash blocks of key
    /// setup) but is not `Sync`: one per worker thread, built on first use rather
    /// than on every request.
    static VERIFIER: RefCell<Option<(u64, Box<dyn JwtVerifier>)>> = const { RefCell::new(None) };
}

impl Codec {
    /// `key_id`: the id of `key` ([`new_key_id`]), under which its verifier is cached.
    fn verify_signature(
        &self,
        key_id: u64,
        key: &DecodingKey,
        input: &[u8],
        signature: &Vec<u8>,
    ) -> Result<(), DecodeError> {
        VERIFIER.with(|cell| {
            let mut slot = cell.try_borrow_mut().map_err(|_| DecodeError::Signature)?;
            let verifier = match slot.take() {
                Some((id, verifier)) if id == key_id => verifier,
                _ => (DEFAULT_PROVIDER.verifier_factory)(&self.algorithm, key)
                    .map_err(|_| DecodeError::Signature)?,
            };
            let verified = verifier.verify(input, signature);
            *slot = Some((key_id, verifier));
            verified.map_err(|_| DecodeError::Signature)
        })
    }

    /// The header's checks; its `kid`, if any.
    fn check_header(&self, header: &[u8]) -> Result<Option<String>, DecodeError> {
        let header: Value = serde_json::from_slice(header).map_err(|_| DecodeError::Header)?;
        let mut header = match header {
            Value::Object(map) => map,
            _ => return Err(DecodeError::Header),
        };
        // PyJWT insists that a `kid` is a string; any `typ` is fine.
        let kid = match header.remove("kid") {
            None => None,
            Some(Value::String(kid)) => Some(kid),
            Some(_) => return Err(DecodeError::Header),
        };
        // The algorithm comes from our settings, never from the token.
        if header.get("alg").and_then(Value::as_str) != Some(algorithm_name(self.algorithm)) {
            return Err(DecodeError::Algorithm);
        }
        Ok(kid)
    }
}

fn split_last_dot(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = bytes.iter().rposition(|&b| b == b'.')?;
    Some((&bytes[..at], &bytes[at + 1..]))
}

fn split_first_dot(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = bytes.iter().position(|&b| b == b'.')?;
    Some((&bytes[..at], &bytes[at + 1..]))
}

fn b64(segment: &[u8]) -> Result<Vec<u8>, DecodeError> {
    LENIENT_URL_SAFE
        .decode(segment)
        .map_err(|_| DecodeError::Base64)
}

#[cfg(test)]
mod tests;
