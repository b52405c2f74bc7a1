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
use std::sync::atomic::{AtomicU64, Ordering};

use super::ascii_json::ascii_json;
use super::keys::{algorithm_name, decoding_key, encoding_key};
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
    decoding: DecodingKey,
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
        let codec = Self {
            encoding: Some(encoding_key(jwt)?),
            ..Self::for_verifying(jwt)?
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

    /// Keys for verifying only (protected-service).
    pub fn for_verifying(jwt: &JwtSettings) -> Result<Self, SettingsError> {
        jwt.require_verifying_key()?;
        let header = format!(
            r#"{{"alg":"{}","typ":"JWT"}}"#,
            algorithm_name(jwt.algorithm)
        );
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        Ok(Self {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            algorithm: jwt.algorithm,
            header_segment: URL_SAFE_NO_PAD.encode(header),
            encoding: None,
            decoding: decoding_key(jwt)?,
        })
    }

    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
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
        // Our own header (every token we issue) needs no parsing.
        if header != self.header_segment.as_bytes() {
            self.check_header(&b64(header)?)?;
        }
        let payload = b64(payload)?;
        let signature = b64(signature)?;
        self.verify_signature(signing_input, &signature)?;

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
    fn verify_signature(&self, input: &[u8], signature: &Vec<u8>) -> Result<(), DecodeError> {
        VERIFIER.with(|cell| {
            let mut slot = cell.try_borrow_mut().map_err(|_| DecodeError::Signature)?;
            let verifier = match slot.take() {
                Some((id, verifier)) if id == self.id => verifier,
                _ => (DEFAULT_PROVIDER.verifier_factory)(&self.algorithm, &self.decoding)
                    .map_err(|_| DecodeError::Signature)?,
            };
            let verified = verifier.verify(input, signature);
            *slot = Some((self.id, verifier));
            verified.map_err(|_| DecodeError::Signature)
        })
    }

    fn check_header(&self, header: &[u8]) -> Result<(), DecodeError> {
        let header: Value = serde_json::from_slice(header).map_err(|_| DecodeError::Header)?;
        let header = header.as_object().ok_or(DecodeError::Header)?;
        // PyJWT insists that a `kid` is a string; any `typ` is fine.
        if header.get("kid").is_some_and(|kid| !kid.is_string()) {
            return Err(DecodeError::Header);
        }
        // The algorithm comes from our settings, never from the token.
        if header.get("alg").and_then(Value::as_str) != Some(algorithm_name(self.algorithm)) {
            return Err(DecodeError::Algorithm);
        }
        Ok(())
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
