//! A JWKS document (RFC 7517 §5) turned into the keys this service verifies with. Every key
//! is judged on its own: one that cannot serve (no `kid`, `use: enc`, another algorithm, a
//! curve or key type the algorithm cannot use, a short RSA modulus) is skipped with a reason
//! for the log, so that a key added for something else never takes the whole set down.
//! jsonwebtoken's `JwkSet` is not deserialised whole for that reason: it refuses the set
//! when one member has a key type it does not know.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::Value;

use crate::settings::{MIN_RSA_BITS, require_rsa_bits};
use crate::tokens::keys::algorithm_name;

/// More keys than any rotation needs (current, previous, next); a longer set is cut here.
pub const MAX_KEYS: usize = 32;

/// The longest `kid` kept: an RFC 7638 thumbprint is 43 characters.
pub const MAX_KID_CHARS: usize = 256;

/// One usable key of the set.
#[derive(Clone)]
pub struct ParsedKey {
    pub kid: String,
    pub key: DecodingKey,
}

/// The outcome of one document: the usable keys, in the document's order, and why the
/// others were skipped (`kid` and reason; fixed phrases, nothing else from the document).
pub struct Parsed {
    pub keys: Vec<ParsedKey>,
    pub skipped: Vec<(String, &'static str)>,
}

/// Why the document as a whole was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    NotJson,
    NoKeysArray,
    NoUsableKey,
}

impl Refused {
    pub fn reason(self) -> &'static str {
        match self {
            Self::NotJson => "the JWKS is not JSON",
            Self::NoKeysArray => "the JWKS has no \"keys\" array",
            Self::NoUsableKey => "the JWKS has no key usable with the configured algorithm",
        }
    }
}

/// `body` as a JWKS for `algorithm` (the configured one: the token's `alg` is never trusted).
pub fn parse(body: &[u8], algorithm: Algorithm) -> Result<Parsed, Refused> {
    let document: Value = serde_json::from_slice(body).map_err(|_| Refused::NotJson)?;
    let members = document
        .get("keys")
        .and_then(Value::as_array)
        .ok_or(Refused::NoKeysArray)?;
    let mut parsed = Parsed {
        keys: Vec::new(),
        skipped: Vec::new(),
    };
    for member in members {
        let kid = member.get("kid").and_then(Value::as_str);
        let shown = kid.map_or_else(|| "(none)".to_owned(), |k| shorten(k));
        match usable(member, kid, algorithm) {
            Ok(key) if parsed.keys.len() < MAX_KEYS => parsed.keys.push(key),
            Ok(_) => parsed
                .skipped
                .push((shown, "more keys than tokenpair keeps")),
            Err(reason) => parsed.skipped.push((shown, reason)),
        }
    }
    if parsed.keys.is_empty() {
        return Err(Refused::NoUsableKey);
    }
    Ok(parsed)
}

fn usable(
    member: &Value,
    kid: Option<&str>,
    algorithm: Algorithm,
) -> Result<ParsedKey, &'static str> {
    let kid = kid.ok_or("no \"kid\" (tokens name their key by kid)")?;
    if kid.is_empty() || kid.chars().count() > MAX_KID_CHARS {
        return Err("\"kid\" empty or longer than 256 characters");
    }
    match member.get("use").map(Value::as_str) {
        None | Some(Some("sig")) => {}
        _ => return Err("\"use\" is not \"sig\""),
    }
    match member.get("alg").map(Value::as_str) {
        None => {}
        Some(Some(alg)) if alg == algorithm_name(algorithm) => {}
        _ => return Err("\"alg\" is not the configured ALGORITHM"),
    }
    let jwk: Jwk =
        serde_json::from_value(member.clone()).map_err(|_| "not a JWK tokenpair reads")?;
    check_fits(&jwk.algorithm, algorithm)?;
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| "key parameters cannot be read")?;
    Ok(ParsedKey {
        kid: kid.to_owned(),
        key,
    })
}

/// The key type (and curve) the configured algorithm verifies with; RSA at least 2048 bits.
fn check_fits(params: &AlgorithmParameters, algorithm: Algorithm) -> Result<(), &'static str> {
    let wrong = Err("key type or curve does not fit the configured ALGORITHM");
    match (params, algorithm) {
        (AlgorithmParameters::EllipticCurve(ec), Algorithm::ES256)
            if ec.curve == EllipticCurve::P256 =>
        {
            Ok(())
        }
        (AlgorithmParameters::EllipticCurve(ec), Algorithm::ES384)
            if ec.curve == EllipticCurve::P384 =>
        {
            Ok(())
        }
        (AlgorithmParameters::OctetKeyPair(okp), Algorithm::EdDSA)
            if okp.curve == EllipticCurve::Ed25519 =>
        {
            Ok(())
        }
        (
            AlgorithmParameters::RSA(rsa),
            Algorithm::RS256
            | Algorithm::RS384
            | Algorithm::RS512
            | Algorithm::PS256
            | Algorithm::PS384
            | Algorithm::PS512,
        ) => {
            let modulus = URL_SAFE_NO_PAD
                .decode(rsa.n.trim_end_matches('='))
                .map_err(|_| "RSA modulus is not base64url")?;
            let bits = modulus_bits(&modulus);
            require_rsa_bits("JWK", algorithm, bits).map_err(|_| {
                const _: () = assert!(MIN_RSA_BITS == 2048);
                "RSA modulus shorter than 2048 bits"
            })
        }
        _ => wrong,
    }
}

fn modulus_bits(big_endian: &[u8]) -> usize {
    let Some(first) = big_endian.iter().position(|&b| b != 0) else {
        return 0;
    };
    (big_endian.len() - first) * 8 - big_endian[first].leading_zeros() as usize
}

/// A `kid` as logged: at most 64 characters, control characters escaped.
fn shorten(kid: &str) -> String {
    let cut: String = kid.chars().take(64).collect();
    cut.escape_debug().to_string()
}

#[cfg(test)]
mod tests;
