//! The signing and verifying keys of the settings, decoded and checked once at
//! start-up, and the algorithm names PyJWT writes.

use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind, EncodingKey};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::traits::PublicKeyParts;

use crate::settings::{
    JwtSettings, MAKE_HMAC_KEY, SettingsError, min_hmac_key_bytes, require_rsa_bits,
};

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

pub(super) fn is_hmac(algorithm: Algorithm) -> bool {
    matches!(
        algorithm,
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
    )
}

/// The HMAC key is checked where it is decoded for verifying (`decoding_key`), which both
/// services go through; RSA keys are checked here and there, each under its own setting.
pub(super) fn encoding_key(jwt: &JwtSettings) -> Result<EncodingKey, SettingsError> {
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

/// The current verifying key: the HMAC secret, or `VERIFYING_KEY`.
pub(super) fn decoding_key(jwt: &JwtSettings) -> Result<DecodingKey, SettingsError> {
    if is_hmac(jwt.algorithm) {
        jwt.require_strong_hmac_key()?;
        return Ok(DecodingKey::from_secret(
            jwt.signing_key.expose().as_bytes(),
        ));
    }
    let key = jwt.verifying_key.as_deref().unwrap_or_default();
    decoding_key_from_pem(jwt, "SIMPLE_JWT.VERIFYING_KEY", key)
}

/// A verifying key for the settings' algorithm, from `setting`'s value: an HMAC secret (held
/// to the same length rule as the current one) or a PEM public key (RSA: at least 2048 bits).
pub(super) fn decoding_key_from_pem(
    jwt: &JwtSettings,
    setting: &str,
    key: &str,
) -> Result<DecodingKey, SettingsError> {
    if is_hmac(jwt.algorithm) {
        let needed = min_hmac_key_bytes(jwt.algorithm).unwrap_or_default();
        if key.is_empty() || (key.len() < needed && !jwt.key_rules.allow_weak_key) {
            // Only the length: the value is a secret.
            return Err(SettingsError(format!(
                "{setting}: {} bytes is too short for {:?} (at least {needed}); make one with: \
                 {MAKE_HMAC_KEY}",
                key.len(),
                jwt.algorithm
            )));
        }
        return Ok(DecodingKey::from_secret(key.as_bytes()));
    }
    let key = key.as_bytes();
    let parsed = match jwt.algorithm {
        Algorithm::ES256 | Algorithm::ES384 => DecodingKey::from_ec_pem(key),
        Algorithm::EdDSA => DecodingKey::from_ed_pem(key),
        _ => DecodingKey::from_rsa_pem(key),
    };
    let not_a_key = |e: &dyn std::fmt::Display| {
        SettingsError(format!(
            "{setting}: not a PEM public key for {}: {e}",
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
        require_rsa_bits(setting, jwt.algorithm, public.n().bits())?;
    }
    Ok(key)
}
