//! Django's `PBKDF2PasswordHasher` (`pbkdf2_sha256`) and `PBKDF2SHA1PasswordHasher`
//! (`pbkdf2_sha1`): `<algorithm>$<iterations>$<salt>$<base64 key>`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha1::Sha1;
use sha2::Sha256;

use super::{constant_time_eq, parse_decimal, salt_needs_update};

/// Stored hashes claiming more iterations than this (or than the configured count, if that is
/// higher) are treated as corrupt rather than computed: about 7x Django 6.1's default, which
/// leaves room for a few Django releases of growth while bounding a corrupt row to seconds of
/// CPU instead of the hours that `u32::MAX` iterations would take.
pub const MAX_ITERATIONS: u32 = 10_000_000;

/// The PRF of the PBKDF2 hasher; each has its own algorithm name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Digest {
    Sha256,
    Sha1,
}

impl Digest {
    pub const fn algorithm(self) -> &'static str {
        match self {
            Digest::Sha256 => "pbkdf2_sha256",
            Digest::Sha1 => "pbkdf2_sha1",
        }
    }

    pub fn from_algorithm(algorithm: &str) -> Option<Self> {
        match algorithm {
            "pbkdf2_sha256" => Some(Digest::Sha256),
            "pbkdf2_sha1" => Some(Digest::Sha1),
            _ => None,
        }
    }
}

/// Django's `PBKDF2PasswordHasher.encode`. Like Django, the key is as long as the digest
/// (32 bytes for SHA-256, 20 for SHA-1). The salt must be non-empty and free of `$`, as Django
/// requires; otherwise the result will not verify.
pub fn encode(password: &str, salt: &str, iterations: u32, digest: Digest) -> String {
    let key = derive(password, salt, iterations, digest);
    format!("{}${iterations}${salt}${key}", digest.algorithm())
}

fn derive(password: &str, salt: &str, iterations: u32, digest: Digest) -> String {
    let (password, salt) = (password.as_bytes(), salt.as_bytes());
    match digest {
        Digest::Sha256 => STANDARD.encode(pbkdf2::pbkdf2_hmac_array::<Sha256, 32>(
            password, salt, iterations,
        )),
        Digest::Sha1 => STANDARD.encode(pbkdf2::pbkdf2_hmac_array::<Sha1, 20>(
            password, salt, iterations,
        )),
    }
}

/// The parameters of a stored PBKDF2 hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded<'a> {
    pub digest: Digest,
    pub iterations: u32,
    pub salt: &'a str,
}

/// Parses a stored hash; `None` for anything Django could not check either (where Django raises
/// instead), and for iteration counts above `max_iterations`.
pub fn decode(encoded: &str, max_iterations: u32) -> Option<Decoded<'_>> {
    // Like Django's `split("$", 3)`: the key part may contain anything, and simply won't match.
    let mut parts = encoded.splitn(4, '$');
    let digest = Digest::from_algorithm(parts.next()?)?;
    let iterations = parse_decimal(parts.next()?)?;
    let salt = parts.next()?;
    parts.next()?;
    if iterations == 0 || iterations > max_iterations || salt.is_empty() {
        return None;
    }
    Some(Decoded {
        digest,
        iterations,
        salt,
    })
}

/// Django re-encodes and compares whole strings, so any non-canonical spelling of the stored
/// value (leading zeros, missing padding...) fails; comparing the same way keeps that.
pub fn verify(password: &str, encoded: &str, decoded: &Decoded<'_>) -> bool {
    let candidate = encode(password, decoded.salt, decoded.iterations, decoded.digest);
    constant_time_eq(&candidate, encoded)
}

pub fn must_update(decoded: &Decoded<'_>, configured_iterations: u32) -> bool {
    decoded.iterations != configured_iterations || salt_needs_update(decoded.salt.chars().count())
}

/// How many iterations a failed check must add to cost as much as a current hash.
pub fn extra_iterations(decoded: &Decoded<'_>, configured_iterations: u32) -> u32 {
    configured_iterations.saturating_sub(decoded.iterations)
}

/// Django's `harden_runtime`: run the missing iterations so that a wrong password against an
/// old, cheaper hash takes as long as against a current one.
pub fn harden_runtime(password: &str, decoded: &Decoded<'_>, configured_iterations: u32) {
    let extra = extra_iterations(decoded, configured_iterations);
    if extra > 0 {
        std::hint::black_box(derive(password, decoded.salt, extra, decoded.digest));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_reads_the_parameters() {
        let decoded = decode(
            "pbkdf2_sha1$1000$abc$l2H2oogsryV2Lw9a7h1z7xkcW8k=",
            MAX_ITERATIONS,
        );
        assert_eq!(
            decoded,
            Some(Decoded {
                digest: Digest::Sha1,
                iterations: 1000,
                salt: "abc"
            })
        );
        // The key is not validated here; it just fails to match later.
        assert!(decode("pbkdf2_sha256$1$s$", MAX_ITERATIONS).is_some());
        assert!(decode("pbkdf2_sha256$1$s$a$b", MAX_ITERATIONS).is_some());
    }

    #[test]
    fn decode_refuses_what_django_cannot_check() {
        for encoded in [
            "pbkdf2_sha256$1000$abc",
            "pbkdf2_sha256$0$abc$x",
            "pbkdf2_sha256$$abc$x",
            "pbkdf2_sha256$-1$abc$x",
            "pbkdf2_sha256$ 1000$abc$x",
            "pbkdf2_sha256$1_000$abc$x",
            "pbkdf2_sha256$1000$$x",
            "pbkdf2_sha256$10000001$abc$x",
            "pbkdf2_sha256$99999999999$abc$x",
            "pbkdf2_sha512$1000$abc$x",
        ] {
            assert_eq!(decode(encoded, MAX_ITERATIONS), None, "{encoded}");
        }
        assert!(decode("pbkdf2_sha256$10000001$abc$x", 20_000_000).is_some());
    }

    #[test]
    fn leading_zeros_do_not_verify() {
        // Django: int("01000") == 1000, but the re-encoded string says "1000".
        let encoded = "pbkdf2_sha256$01000$abc$ezAwPW/wuspSU83Z4aU2LP5+de/RqK3RFrreZbJFqEM=";
        let decoded = decode(encoded, MAX_ITERATIONS);
        assert!(decoded.is_some_and(|d| !verify("secret", encoded, &d)));
        let canonical = "pbkdf2_sha256$1000$abc$ezAwPW/wuspSU83Z4aU2LP5+de/RqK3RFrreZbJFqEM=";
        let decoded = decode(canonical, MAX_ITERATIONS);
        assert!(decoded.is_some_and(|d| verify("secret", canonical, &d)));
    }

    #[test]
    fn update_and_hardening_follow_the_configured_count() {
        let salt = "abcdefghijklmnopqrstuv";
        let decoded = Decoded {
            digest: Digest::Sha256,
            iterations: 1000,
            salt,
        };
        assert!(!must_update(&decoded, 1000));
        assert!(must_update(&decoded, 1001));
        assert!(must_update(&decoded, 999));
        assert!(must_update(
            &Decoded {
                salt: &salt[1..],
                ..decoded
            },
            1000
        ));
        // Characters, not bytes: 22 non-ASCII characters are enough for Django.
        assert!(!must_update(
            &Decoded {
                salt: &"é".repeat(22),
                ..decoded
            },
            1000
        ));
        assert_eq!(extra_iterations(&decoded, 1_500_000), 1_499_000);
        assert_eq!(extra_iterations(&decoded, 1000), 0);
        assert_eq!(extra_iterations(&decoded, 10), 0);
    }
}
