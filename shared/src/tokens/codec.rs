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
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind, EncodingKey};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::traits::PublicKeyParts;
use serde::Serialize;
use serde_json::{Map, Value};
use std::cell::RefCell;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::settings::{JwtSettings, SettingsError, require_rsa_bits};

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

/// The `alg` header value PyJWT writes for an algorithm.
pub fn algorithm_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::HS256 => "HS256",
        Algorithm::HS384 => "HS384",
        Algorithm::HS512 => "HS512",
        Algorithm::ES256 => "ES256",
        Algorithm::ES384 => "ES384",
        Algorithm::RS256 => "RS256",
        Algorithm::RS384 => "RS384",
        Algorithm::RS512 => "RS512",
        Algorithm::PS256 => "PS256",
        Algorithm::PS384 => "PS384",
        Algorithm::PS512 => "PS512",
        Algorithm::EdDSA => "EdDSA",
        // Settings only admit the algorithms above.
        _ => "unsupported",
    }
}

fn is_hmac(algorithm: Algorithm) -> bool {
    matches!(
        algorithm,
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
    )
}

/// The HMAC key is checked where it is decoded for verifying (`decoding_key`), which both
/// services go through; RSA keys are checked here and there, each under its own setting.
fn encoding_key(jwt: &JwtSettings) -> Result<EncodingKey, SettingsError> {
    let key = jwt.signing_key.expose().as_bytes();
    let parsed = match jwt.algorithm {
        a if is_hmac(a) => return Ok(EncodingKey::from_secret(key)),
        Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(key),
        Algorithm::EdDSA => EncodingKey::from_ed_pem(key),
        _ => EncodingKey::from_rsa_pem(key),
    };
    let not_a_key = |e: &dyn std::fmt::Display| {
        SettingsError(format!(
            "SIMPLE_JWT.SIGNING_KEY: not a PEM private key for {}: {e}",
            algorithm_name(jwt.algorithm)
        ))
    };
    let key = parsed.map_err(|e| not_a_key(&e))?;
    if key.family() == AlgorithmFamily::Rsa {
        // jsonwebtoken keeps the PKCS#1 DER of the key, whichever PEM form it came in.
        let private =
            rsa::RsaPrivateKey::from_pkcs1_der(key.as_bytes()).map_err(|e| not_a_key(&e))?;
        require_rsa_bits("SIMPLE_JWT.SIGNING_KEY", jwt.algorithm, private.n().bits())?;
    }
    Ok(key)
}

fn decoding_key(jwt: &JwtSettings) -> Result<DecodingKey, SettingsError> {
    if is_hmac(jwt.algorithm) {
        jwt.require_strong_hmac_key()?;
        return Ok(DecodingKey::from_secret(
            jwt.signing_key.expose().as_bytes(),
        ));
    }
    let key = jwt.verifying_key.as_deref().unwrap_or_default().as_bytes();
    let parsed = match jwt.algorithm {
        Algorithm::ES256 | Algorithm::ES384 => DecodingKey::from_ec_pem(key),
        Algorithm::EdDSA => DecodingKey::from_ed_pem(key),
        _ => DecodingKey::from_rsa_pem(key),
    };
    let not_a_key = |e: &dyn std::fmt::Display| {
        SettingsError(format!(
            "SIMPLE_JWT.VERIFYING_KEY: not a PEM public key for {}: {e}",
            algorithm_name(jwt.algorithm)
        ))
    };
    let key = parsed.map_err(|e| not_a_key(&e))?;
    if let DecodingKeyKind::SecretOrDer(der) = key.kind()
        && key.family() == AlgorithmFamily::Rsa
    {
        // Parsed as the verifier will parse it on every request: a key it cannot read is
        // better refused now than answered with "Token is invalid" for everyone.
        let public = rsa::RsaPublicKey::from_pkcs1_der(der).map_err(|e| not_a_key(&e))?;
        require_rsa_bits("SIMPLE_JWT.VERIFYING_KEY", jwt.algorithm, public.n().bits())?;
    }
    Ok(key)
}

/// Compact JSON with every non-ASCII character escaped as `\uXXXX`, as
/// Python's `json.dumps(..., separators=(",", ":"))` writes it.
pub fn ascii_json(value: &impl Serialize) -> Vec<u8> {
    let mut out = Vec::with_capacity(192);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, AsciiFormatter);
    // Serialising a map of JSON values into memory cannot fail.
    let _ = value.serialize(&mut serializer);
    out
}

struct AsciiFormatter;

impl serde_json::ser::Formatter for AsciiFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (at, ch) in fragment.char_indices() {
            if ch.is_ascii() {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[start..at])?;
            let mut units = [0u16; 2];
            for unit in ch.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            start = at + ch.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SPEC_KEY: &str = "test-secret-key-for-spec-research-0123456789";
    const SPEC_TOKEN: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIiwiZXhwIjoyMDAwMDAwMDAwLCJpYXQiOjE5OTk5OTk3MDAsImp0aSI6IjAxMjM0NTY3ODlhYmNkZWYwMTIzNDU2Nzg5YWJjZGVmIiwidXNlcl9pZCI6IjEifQ.36KsoSYoym1MaU_VGu7A3RsM8IPYkCn3SObjQtb-kV0";

    fn codec(key: &str) -> Codec {
        Codec::for_signing(&JwtSettings::with_signing_key(key)).expect("codec")
    }

    fn spec_payload() -> Claims {
        match json!({"token_type":"access","exp":2000000000,"iat":1999999700,
                     "jti":"0123456789abcdef0123456789abcdef","user_id":"1"})
        {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    #[test]
    fn reproduces_the_spec_vector_byte_for_byte() {
        assert_eq!(codec(SPEC_KEY).encode(&spec_payload()).unwrap(), SPEC_TOKEN);
    }

    #[test]
    fn decodes_the_spec_vector_and_keeps_claim_order() {
        let payload = codec(SPEC_KEY).decode(SPEC_TOKEN.as_bytes()).unwrap();
        let keys: Vec<_> = payload.keys().map(String::as_str).collect();
        assert_eq!(keys, ["token_type", "exp", "iat", "jti", "user_id"]);
    }

    #[test]
    fn payload_is_ascii_escaped_like_python() {
        let text = ascii_json(&json!({"name":"Zoë","emoji":"😀","q":"\"\n"}));
        assert_eq!(
            String::from_utf8(text).unwrap(),
            r#"{"name":"Zo\u00eb","emoji":"\ud83d\ude00","q":"\"\n"}"#
        );
    }

    #[test]
    fn rejects_other_keys_algorithms_and_garbage() {
        let other = codec("another-key-of-at-least-thirty-two-bytes")
            .encode(&spec_payload())
            .unwrap();
        let ours = codec(SPEC_KEY);
        assert_eq!(ours.decode(other.as_bytes()), Err(DecodeError::Signature));
        assert_eq!(ours.decode(b"garbage"), Err(DecodeError::Segments));
        assert_eq!(ours.decode(b"a.b"), Err(DecodeError::Segments));
        assert_eq!(ours.decode(b"a.b.c"), Err(DecodeError::Base64));
        assert_eq!(ours.decode(b""), Err(DecodeError::Segments));
        assert!(ours.decode("é.é.é".as_bytes()).is_err());

        // alg "none" and a valid HS512 signature under an HS256 setting
        let parts: Vec<&str> = SPEC_TOKEN.split('.').collect();
        let none = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            parts[1]
        );
        assert_eq!(ours.decode(none.as_bytes()), Err(DecodeError::Algorithm));
        let mut hs512 = JwtSettings::with_signing_key(SPEC_KEY);
        hs512.algorithm = Algorithm::HS512;
        // 44 bytes: short for HS512, which does not matter to this test.
        hs512.key_rules.allow_weak_key = true;
        let hs512 = Codec::for_signing(&hs512)
            .unwrap()
            .encode(&spec_payload())
            .unwrap();
        assert_eq!(ours.decode(hs512.as_bytes()), Err(DecodeError::Algorithm));
    }

    #[test]
    fn accepts_any_typ_and_string_kid_but_not_other_kid() {
        let ours = codec(SPEC_KEY);
        let sign = |header: &str| {
            let input = format!(
                "{}.{}",
                URL_SAFE_NO_PAD.encode(header),
                SPEC_TOKEN.split('.').nth(1).unwrap()
            );
            let sig = crypto::sign(
                input.as_bytes(),
                &EncodingKey::from_secret(SPEC_KEY.as_bytes()),
                Algorithm::HS256,
            )
            .unwrap();
            format!("{input}.{sig}")
        };
        assert!(
            ours.decode(sign(r#"{"typ":"at+jwt","alg":"HS256","kid":"k1"}"#).as_bytes())
                .is_ok()
        );
        assert!(ours.decode(sign(r#"{"alg":"HS256"}"#).as_bytes()).is_ok());
        assert_eq!(
            ours.decode(sign(r#"{"alg":"HS256","kid":7}"#).as_bytes()),
            Err(DecodeError::Header)
        );
        assert_eq!(
            ours.decode(sign(r#"["HS256"]"#).as_bytes()),
            Err(DecodeError::Header)
        );
    }

    #[test]
    fn a_payload_that_is_not_an_object_is_invalid() {
        let ours = codec(SPEC_KEY);
        let input = format!(
            "{}.{}",
            ours.header_segment,
            URL_SAFE_NO_PAD.encode("[1,2]")
        );
        let sig = crypto::sign(
            input.as_bytes(),
            &EncodingKey::from_secret(SPEC_KEY.as_bytes()),
            Algorithm::HS256,
        )
        .unwrap();
        assert_eq!(
            ours.decode(format!("{input}.{sig}").as_bytes()),
            Err(DecodeError::Claims)
        );
    }

    const RSA1024: &str = include_str!("testdata/rsa1024.pem");
    const RSA1024_PUB: &str = include_str!("testdata/rsa1024.pub.pem");
    const RSA1024_PKCS1: &str = include_str!("testdata/rsa1024.pkcs1.pem");
    const RSA1024_PKCS1_PUB: &str = include_str!("testdata/rsa1024.pkcs1.pub.pem");
    const RSA2048: &str = include_str!("testdata/rsa2048.pem");
    const RSA2048_PUB: &str = include_str!("testdata/rsa2048.pub.pem");

    fn rsa(algorithm: Algorithm, private: &str, public: &str) -> JwtSettings {
        let mut jwt = JwtSettings::with_signing_key(private);
        jwt.algorithm = algorithm;
        jwt.verifying_key = Some(public.to_owned());
        jwt
    }

    #[test]
    fn rsa_keys_below_2048_bits_are_refused_for_signing_and_verifying() {
        for algorithm in [Algorithm::RS256, Algorithm::PS512] {
            let good = rsa(algorithm, RSA2048, RSA2048_PUB);
            let signer = Codec::for_signing(&good).expect("2048-bit pair");
            let token = signer.encode(&spec_payload()).unwrap();
            assert!(
                Codec::for_verifying(&good)
                    .unwrap()
                    .decode(token.as_bytes())
                    .is_ok()
            );

            for private in [RSA1024, RSA1024_PKCS1] {
                let message = Codec::for_signing(&rsa(algorithm, private, RSA2048_PUB))
                    .unwrap_err()
                    .0;
                assert!(
                    message.starts_with(&format!(
                        "SIMPLE_JWT.SIGNING_KEY: a 1024-bit RSA key is too small for \
                         {algorithm:?} (at least 2048)"
                    )),
                    "{message}"
                );
                assert_eq!(message.lines().count(), 1);
            }
            for public in [RSA1024_PUB, RSA1024_PKCS1_PUB] {
                let weak = rsa(algorithm, "", public);
                let message = Codec::for_verifying(&weak).unwrap_err().0;
                assert!(
                    message.starts_with(
                        "SIMPLE_JWT.VERIFYING_KEY: a 1024-bit RSA key is too small for"
                    ),
                    "{message}"
                );
                let message = Codec::for_signing(&rsa(algorithm, RSA2048, public))
                    .unwrap_err()
                    .0;
                assert!(
                    message.starts_with("SIMPLE_JWT.VERIFYING_KEY: a 1024"),
                    "{message}"
                );
            }
        }
    }

    #[test]
    fn a_pem_that_is_not_an_rsa_key_is_named() {
        let broken = rsa(
            Algorithm::RS256,
            RSA2048,
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        );
        let message = Codec::for_verifying(&broken).unwrap_err().0;
        assert!(
            message.starts_with("SIMPLE_JWT.VERIFYING_KEY: not a PEM public key for RS256"),
            "{message}"
        );
    }

    #[test]
    fn short_hmac_keys_are_refused_by_signers_and_verifiers_alike() {
        let mut jwt = JwtSettings::with_signing_key("k".repeat(31).as_str());
        for build in [Codec::for_signing, Codec::for_verifying] {
            let message = build(&jwt).unwrap_err().0;
            assert!(
                message.starts_with("SIMPLE_JWT.SIGNING_KEY: 31 bytes is too short for HS256"),
                "{message}"
            );
        }
        jwt.key_rules.allow_weak_key = true;
        let signer = Codec::for_signing(&jwt).expect("allowed");
        let token = signer.encode(&spec_payload()).unwrap();
        assert!(
            Codec::for_verifying(&jwt)
                .unwrap()
                .decode(token.as_bytes())
                .is_ok()
        );
    }

    #[test]
    fn padded_segments_are_accepted_like_pyjwt() {
        let ours = codec(SPEC_KEY);
        let mut parts: Vec<String> = SPEC_TOKEN.split('.').map(str::to_owned).collect();
        parts[2].push('=');
        assert!(ours.decode(parts.join(".").as_bytes()).is_ok());
    }
}
