//! `auth-service keys generate` (a new signing key pair for `SIMPLE_JWT__SIGNING_KEY` and
//! `SIMPLE_JWT__VERIFYING_KEY`, as a rotation needs) and `auth-service keys jwks` (the JWKS
//! of the configured keys, what `GET /.well-known/jwks.json` serves).
//!
//! Keys come from the crates jsonwebtoken already verifies with (rsa, p256, ed25519-dalek),
//! seeded from the operating system's random source; written as PKCS#8 PEM, which both
//! jsonwebtoken and PyJWT's `cryptography` read.

use jsonwebtoken::Algorithm;
use rand_core::{OsRng, RngCore};
use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use crate::cli::{KeyAlgorithm, KeysCommand};
use crate::settings::AuthSettings;
use shared::settings::JwtSettings;
use shared::tokens::KeySet;

pub const SIGNING_FILE: &str = "signing.pem";
pub const VERIFYING_FILE: &str = "verifying.pem";

/// `keys generate` needs no settings; `keys jwks` does (and nothing else: no database).
pub fn generate(command: &KeysCommand) -> Option<Result<(), String>> {
    match command {
        KeysCommand::Generate {
            algorithm,
            bits,
            out,
        } => Some(generate_pair(*algorithm, *bits, out).map(|kid| println!("{kid}"))),
        KeysCommand::Jwks => None,
    }
}

pub fn jwks(settings: &AuthSettings) -> Result<(), String> {
    let set = KeySet::from_settings(&settings.jwt).map_err(|e| e.0)?;
    let jwks = serde_json::to_string_pretty(&set.jwks()).map_err(|e| e.to_string())?;
    println!("{jwks}");
    Ok(())
}

/// Writes `out/signing.pem` (mode 0600) and `out/verifying.pem`; returns the pair's `kid`.
/// Refuses to overwrite either: a signing key replaced by mistake logs everyone out.
pub fn generate_pair(
    algorithm: KeyAlgorithm,
    bits: Option<usize>,
    out: &Path,
) -> Result<String, String> {
    let (private, public) = match algorithm {
        KeyAlgorithm::RS256 => rsa_pair(bits.unwrap_or(3072))?,
        _ if bits.is_some() => return Err("--bits: only for RS256".into()),
        KeyAlgorithm::ES256 => p256_pair()?,
        KeyAlgorithm::EdDSA => ed25519_pair()?,
    };
    let kid = kid_of(algorithm.algorithm(), &public)?;
    for name in [SIGNING_FILE, VERIFYING_FILE] {
        let path = out.join(name);
        if path.exists() {
            return Err(format!(
                "{}: exists; refusing to overwrite a key",
                path.display()
            ));
        }
    }
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    write_new(&out.join(SIGNING_FILE), private.as_bytes(), 0o600)?;
    write_new(&out.join(VERIFYING_FILE), public.as_bytes(), 0o644)?;
    Ok(kid)
}

/// The RFC 7638 thumbprint, computed as the services compute it.
fn kid_of(algorithm: Algorithm, public: &str) -> Result<String, String> {
    let jwt = JwtSettings {
        algorithm,
        verifying_key: Some(public.to_owned()),
        ..JwtSettings::default()
    };
    let set = KeySet::from_settings(&jwt).map_err(|e| e.0)?;
    set.current()
        .and_then(|key| key.kid())
        .map(str::to_owned)
        .ok_or_else(|| "the new key has no kid".to_owned())
}

fn write_new(path: &Path, content: &[u8], mode: u32) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("{}: {e}", path.display());
    // `create_new`: never follows or replaces a file someone put there meanwhile.
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(fail)?;
    file.write_all(content).map_err(fail)?;
    file.sync_all().map_err(fail)
}

fn rsa_pair(bits: usize) -> Result<(String, String), String> {
    use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
    if ![2048, 3072, 4096].contains(&bits) {
        return Err(format!("--bits: {bits} (use 2048, 3072 or 4096)"));
    }
    let private = rsa::RsaPrivateKey::new(&mut OsRng, bits).map_err(|e| e.to_string())?;
    let public = private.to_public_key();
    Ok((
        private
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| e.to_string())?
            .to_string(),
        public
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| e.to_string())?,
    ))
}

fn p256_pair() -> Result<(String, String), String> {
    let private = p256::SecretKey::random(&mut OsRng);
    pem_pair(&private, &private.public_key())
}

fn ed25519_pair() -> Result<(String, String), String> {
    let mut seed = [0u8; 32];
    OsRng
        .try_fill_bytes(&mut seed)
        .map_err(|e| format!("no random source: {e}"))?;
    let private = ed25519_dalek::SigningKey::from_bytes(&seed);
    pem_pair(&private, &private.verifying_key())
}

/// The PKCS#8 private key and SPKI public key PEMs of a pair.
fn pem_pair(
    private: &impl p256::pkcs8::EncodePrivateKey,
    public: &impl p256::pkcs8::EncodePublicKey,
) -> Result<(String, String), String> {
    let line_ending = p256::pkcs8::LineEnding::LF;
    Ok((
        private
            .to_pkcs8_pem(line_ending)
            .map_err(|e| e.to_string())?
            .to_string(),
        public
            .to_public_key_pem(line_ending)
            .map_err(|e| e.to_string())?,
    ))
}
