//! Django's `Argon2PasswordHasher`: `argon2` followed by the argon2 reference encoding,
//! `argon2$argon2id$v=19$m=102400,t=2,p=8$<salt>$<hash>` (unpadded standard base64).
//!
//! Django verifies through argon2-cffi, i.e. the reference C decoder, so the same strings are
//! accepted here: any of argon2id/argon2i/argon2d, a missing `v=` meaning version 0x10 (hashes
//! from before argon2 1.3), parameters strictly in `m,t,p` order without leading zeros, and
//! base64 without padding or stray trailing bits. Unlike PBKDF2, the comparison is on the raw
//! hash bytes, as in the C library.

use ::argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use subtle::ConstantTimeEq;

use super::salt_needs_update;

pub const ALGORITHM: &str = "argon2";

/// Django's `Argon2PasswordHasher` parameters (argon2-cffi's defaults for the rest).
pub const TIME_COST: u32 = 2;
pub const MEMORY_COST_KIB: u32 = 102_400;
pub const PARALLELISM: u32 = 8;
pub const HASH_LEN: usize = 32;

/// Caps on what a stored hash may ask for. A corrupt row must not make us allocate gigabytes or
/// loop for hours: m up to 512 MiB (5x Django), t up to 16 (8x), p up to 64 (8x), so the worst
/// accepted hash costs roughly 40 current ones. Salt and hash lengths are bounded only to keep
/// allocation proportionate; Django's column holds 128 characters anyway.
pub const MAX_MEMORY_COST_KIB: u32 = 512 * 1024;
pub const MAX_TIME_COST: u32 = 16;
pub const MAX_PARALLELISM: u32 = 64;
pub const MIN_SALT_LEN: usize = 8;
pub const MAX_SALT_LEN: usize = 1024;
pub const MIN_HASH_LEN: usize = 4;
pub const MAX_HASH_LEN: usize = 1024;

/// The parameters of a stored argon2 hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub variety: Algorithm,
    pub version: Version,
    pub memory_cost_kib: u32,
    pub time_cost: u32,
    pub parallelism: u32,
    pub salt: Vec<u8>,
    pub hash: Vec<u8>,
}

/// Django's `Argon2PasswordHasher.encode` with its current parameters. Like Django, the salt
/// string's bytes are the argon2 salt. Fails only if argon2 refuses the input (salt under 8
/// bytes) or its work area cannot be allocated.
pub fn encode(password: &str, salt: &str) -> Result<String, ::argon2::Error> {
    let hash = hash(
        password,
        salt.as_bytes(),
        Algorithm::Argon2id,
        Version::V0x13,
        MEMORY_COST_KIB,
        TIME_COST,
        PARALLELISM,
        HASH_LEN,
    )?;
    Ok(format!(
        "{ALGORITHM}${}$v={}$m={MEMORY_COST_KIB},t={TIME_COST},p={PARALLELISM}${}${}",
        Algorithm::Argon2id.as_str(),
        u32::from(Version::V0x13),
        STANDARD_NO_PAD.encode(salt),
        STANDARD_NO_PAD.encode(hash),
    ))
}

#[allow(clippy::too_many_arguments)] // mirrors argon2's own parameter list
fn hash(
    password: &str,
    salt: &[u8],
    variety: Algorithm,
    version: Version,
    memory_cost_kib: u32,
    time_cost: u32,
    parallelism: u32,
    hash_len: usize,
) -> Result<Vec<u8>, ::argon2::Error> {
    let params = Params::new(memory_cost_kib, time_cost, parallelism, Some(hash_len))?;
    let mut out = vec![0; hash_len];
    Argon2::new(variety, version, params).hash_password_into(
        password.as_bytes(),
        salt,
        &mut out,
    )?;
    Ok(out)
}

/// Parses a stored hash; `None` when argon2-cffi would refuse it or a cap is exceeded.
pub fn decode(encoded: &str) -> Option<Decoded> {
    let mut parts = encoded
        .strip_prefix(ALGORITHM)?
        .strip_prefix('$')?
        .split('$');
    let variety = match parts.next()? {
        "argon2id" => Algorithm::Argon2id,
        "argon2i" => Algorithm::Argon2i,
        "argon2d" => Algorithm::Argon2d,
        _ => return None,
    };
    let mut field = parts.next()?;
    let version = match field.strip_prefix("v=") {
        Some(number) => {
            field = parts.next()?;
            Version::try_from(parse_minimal_decimal(number)?).ok()?
        }
        None => Version::V0x10,
    };
    let (memory_cost_kib, rest) = field.strip_prefix("m=")?.split_once(",t=")?;
    let (time_cost, parallelism) = rest.split_once(",p=")?;
    let memory_cost_kib = parse_minimal_decimal(memory_cost_kib)?;
    let time_cost = parse_minimal_decimal(time_cost)?;
    let parallelism = parse_minimal_decimal(parallelism)?;
    let salt = decode_b64(parts.next()?, MAX_SALT_LEN)?;
    let hash = decode_b64(parts.next()?, MAX_HASH_LEN)?;
    if parts.next().is_some()
        || !(1..=MAX_MEMORY_COST_KIB).contains(&memory_cost_kib)
        || !(1..=MAX_TIME_COST).contains(&time_cost)
        || !(1..=MAX_PARALLELISM).contains(&parallelism)
        || salt.len() < MIN_SALT_LEN
        || hash.len() < MIN_HASH_LEN
        // argon2's own rules, such as at least 8 KiB of memory per lane.
        || Params::new(memory_cost_kib, time_cost, parallelism, Some(hash.len())).is_err()
    {
        return None;
    }
    Some(Decoded {
        variety,
        version,
        memory_cost_kib,
        time_cost,
        parallelism,
        salt,
        hash,
    })
}

/// The reference decoder's numbers: digits only, no leading zero.
fn parse_minimal_decimal(s: &str) -> Option<u32> {
    if s.len() > 1 && s.starts_with('0') {
        return None;
    }
    super::parse_decimal(s)
}

fn decode_b64(s: &str, max_len: usize) -> Option<Vec<u8>> {
    // Checked before decoding so that an enormous field is never even allocated.
    if s.len() > max_len.div_ceil(3) * 4 {
        return None;
    }
    STANDARD_NO_PAD.decode(s).ok()
}

pub fn verify(password: &str, decoded: &Decoded) -> bool {
    hash(
        password,
        &decoded.salt,
        decoded.variety,
        decoded.version,
        decoded.memory_cost_kib,
        decoded.time_cost,
        decoded.parallelism,
        decoded.hash.len(),
    )
    .is_ok_and(|hash| hash.ct_eq(&decoded.hash).into())
}

/// Django compares every argon2 parameter but the salt length, and separately the salt's
/// entropy (its bytes read as Latin-1 characters, hence the byte count).
pub fn must_update(decoded: &Decoded) -> bool {
    decoded.variety != Algorithm::Argon2id
        || decoded.version != Version::V0x13
        || decoded.memory_cost_kib != MEMORY_COST_KIB
        || decoded.time_cost != TIME_COST
        || decoded.parallelism != PARALLELISM
        || decoded.hash.len() != HASH_LEN
        || salt_needs_update(decoded.salt.len())
}

#[cfg(test)]
mod tests {
    use super::super::vectors::*;
    use super::*;

    #[test]
    fn encode_reproduces_django() {
        for (password, encoded) in [
            (PASSWORD, DJANGO52_ARGON2_ASCII),
            (PASSWORD_UNICODE, DJANGO52_ARGON2_UNICODE),
        ] {
            let decoded = decode(encoded);
            let salt = decoded.and_then(|d| String::from_utf8(d.salt).ok());
            let salt = salt.as_deref().unwrap_or_default();
            assert_eq!(salt.len(), 22);
            assert_eq!(encode(password, salt).ok().as_deref(), Some(encoded));
        }
    }

    #[test]
    fn decode_reads_legacy_forms() {
        let decoded = decode(DJANGO_ARGON2I_NO_VERSION).expect("legacy hash parses");
        assert_eq!(decoded.variety, Algorithm::Argon2i);
        assert_eq!(decoded.version, Version::V0x10);
        assert_eq!(
            (
                decoded.memory_cost_kib,
                decoded.time_cost,
                decoded.parallelism
            ),
            (8, 1, 1)
        );
        assert_eq!(decoded.salt, b"somesalt");
        assert_eq!(decoded.hash.len(), 64);
        assert!(verify("secret", &decoded));
        assert!(must_update(&decoded));

        let decoded = decode(DJANGO_ARGON2I_V19).expect("v=19 argon2i parses");
        assert_eq!(decoded.version, Version::V0x13);
        assert_eq!(decoded.hash.len(), 16);
        assert!(verify("secret", &decoded));

        let decoded = decode(DJANGO52_ARGON2D_SMALL).expect("argon2d parses");
        assert_eq!(decoded.variety, Algorithm::Argon2d);
        assert!(verify(PASSWORD, &decoded));
    }

    #[test]
    fn must_update_tracks_every_parameter() {
        let current = decode(DJANGO52_ARGON2_ASCII).expect("Django hash parses");
        assert!(!must_update(&current));
        let changed = [
            Decoded {
                variety: Algorithm::Argon2i,
                ..current.clone()
            },
            Decoded {
                version: Version::V0x10,
                ..current.clone()
            },
            Decoded {
                memory_cost_kib: MEMORY_COST_KIB * 2,
                ..current.clone()
            },
            Decoded {
                time_cost: 3,
                ..current.clone()
            },
            Decoded {
                parallelism: 4,
                ..current.clone()
            },
            Decoded {
                hash: vec![0; 16],
                ..current.clone()
            },
            Decoded {
                salt: vec![b'a'; 21],
                ..current.clone()
            },
        ];
        for decoded in changed {
            assert!(must_update(&decoded), "{decoded:?}");
        }
    }

    #[test]
    fn caps_reject_before_any_work() {
        let tail = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dg$EqN4ImzbjQvZHScf0YqdECe5Wy+74Cl0TGOeb7pK3iE";
        assert!(decode(&format!("argon2$argon2id$v=19$m=524288,t=16,p=64${tail}")).is_some());
        for params in [
            "m=524289,t=1,p=1",
            "m=1024,t=17,p=1",
            "m=1024,t=1,p=65",
            "m=4294967296,t=1,p=1",
        ] {
            assert!(
                decode(&format!("argon2$argon2id$v=19${params}${tail}")).is_none(),
                "{params}"
            );
        }
        let long = format!(
            "argon2$argon2id$v=19$m=8,t=1,p=1${}${}",
            "A".repeat(100_000),
            "A".repeat(8)
        );
        assert!(decode(&long).is_none());
    }
}
