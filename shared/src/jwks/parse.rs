//! A JWKS document (RFC 7517 §5) turned into the [`KeySet`] this service verifies with. Each
//! member is judged on its own (by the key set's rules: `KeySet::from_jwks`): one that cannot
//! serve (`use: enc`, another `alg`, a key type the algorithm cannot use, a secret, a short RSA
//! modulus, a key type jsonwebtoken does not know) is skipped with a line in the log, so that a
//! key published for something else never takes the whole set down. Capped at [`MAX_KEYS`].

use jsonwebtoken::Algorithm;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use serde_json::Value;

use crate::tokens::KeySet;

/// More keys than any rotation needs (current, previous, next). A token without `kid` is
/// tried against every key of its algorithm, so this also bounds that work.
pub const MAX_KEYS: usize = 16;

/// The usable keys, and the `kid` of each member left out with why.
pub struct Parsed {
    pub set: KeySet,
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
            Self::NoUsableKey => "the JWKS has no key usable with the configured ALGORITHM",
        }
    }
}

/// `body` as a JWKS for `algorithm` (the configured one: a token's `alg` is never trusted).
pub fn parse(body: &[u8], algorithm: Algorithm) -> Result<Parsed, Refused> {
    let document: Value = serde_json::from_slice(body).map_err(|_| Refused::NotJson)?;
    let members = document
        .get("keys")
        .and_then(Value::as_array)
        .ok_or(Refused::NoKeysArray)?;
    let mut usable = Vec::new();
    let mut skipped = Vec::new();
    for member in members {
        let shown = member
            .get("kid")
            .and_then(Value::as_str)
            .map_or_else(|| "(none)".to_owned(), shorten);
        let Ok(jwk) = serde_json::from_value::<Jwk>(member.clone()) else {
            skipped.push((shown, "not a JWK tokenpair reads"));
            continue;
        };
        let alone = JwkSet {
            keys: vec![jwk.clone()],
        };
        if KeySet::from_jwks(&alone, algorithm).0.is_empty() {
            skipped.push((
                shown,
                "not usable with the configured ALGORITHM (use, alg, key type or RSA size)",
            ));
        } else if usable.len() == MAX_KEYS {
            skipped.push((shown, "more keys than tokenpair keeps"));
        } else {
            usable.push(jwk);
        }
    }
    if usable.is_empty() {
        return Err(Refused::NoUsableKey);
    }
    let (set, _) = KeySet::from_jwks(&JwkSet { keys: usable }, algorithm);
    Ok(Parsed { set, skipped })
}

/// A `kid` as logged: at most 64 characters, control characters escaped.
fn shorten(kid: &str) -> String {
    let cut: String = kid.chars().take(64).collect();
    cut.escape_debug().to_string()
}

#[cfg(test)]
mod tests;
