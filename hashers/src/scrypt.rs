//! Django's `ScryptPasswordHasher`: `scrypt$<N>$<salt>$<r>$<p>$<base64 64-byte key>`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::{constant_time_eq, parse_decimal};

pub const ALGORITHM: &str = "scrypt";

/// Django's `ScryptPasswordHasher` parameters.
pub const WORK_FACTOR: u32 = 1 << 14;
pub const BLOCK_SIZE: u32 = 8;
pub const PARALLELISM: u32 = 5;
pub const KEY_LEN: usize = 64;

/// Django passes `maxmem=0` to `hashlib.scrypt`, so OpenSSL's default limit applies: hashes
/// needing more than 32 MiB fail in Django too. Keeping the same limit also bounds memory here.
pub const MAX_MEMORY_BYTES: u64 = 32 * 1024 * 1024;
/// The memory limit alone still allows runs of hours through a huge `p` (p blocks are
/// processed one after another); 16 is about 3x Django's 5.
pub const MAX_PARALLELISM: u32 = 16;

/// The parameters of a stored scrypt hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded<'a> {
    pub work_factor: u32,
    pub salt: &'a str,
    pub block_size: u32,
    pub parallelism: u32,
}

/// Django's `ScryptPasswordHasher.encode`; `None` for parameters scrypt refuses, or beyond the
/// caps above.
pub fn encode(
    password: &str,
    salt: &str,
    work_factor: u32,
    block_size: u32,
    parallelism: u32,
) -> Option<String> {
    if !within_limits(work_factor, block_size, parallelism) {
        return None;
    }
    let log_n = u8::try_from(work_factor.trailing_zeros()).ok()?;
    let params = ::scrypt::Params::new(log_n, block_size, parallelism, KEY_LEN).ok()?;
    let mut key = [0; KEY_LEN];
    ::scrypt::scrypt(password.as_bytes(), salt.as_bytes(), &params, &mut key).ok()?;
    Some(format!(
        "{ALGORITHM}${work_factor}${salt}${block_size}${parallelism}${}",
        STANDARD.encode(key)
    ))
}

/// OpenSSL's `EVP_PBE_scrypt` checks (as reached through `hashlib.scrypt`), plus the
/// parallelism cap.
fn within_limits(n: u32, r: u32, p: u32) -> bool {
    if n < 2 || !n.is_power_of_two() || r == 0 || p == 0 || p > MAX_PARALLELISM {
        return false;
    }
    let (log_n, n, r, p) = (n.trailing_zeros(), u64::from(n), u64::from(r), u64::from(p));
    // scrypt's N < 2^(128 * r / 8).
    if u64::from(log_n) >= 16 * r {
        return false;
    }
    // B (p * 128 * r bytes) plus V, X and T (128 * r * (N + 2) bytes).
    let memory = (n + 2)
        .checked_add(p)
        .and_then(|blocks| blocks.checked_mul(128))
        .and_then(|bytes| bytes.checked_mul(r));
    memory.is_some_and(|bytes| bytes <= MAX_MEMORY_BYTES)
}

/// Parses a stored hash; `None` for anything Django could not check either.
pub fn decode(encoded: &str) -> Option<Decoded<'_>> {
    let mut parts = encoded.split('$');
    if parts.next()? != ALGORITHM {
        return None;
    }
    let work_factor = parse_decimal(parts.next()?)?;
    let salt = parts.next()?;
    let block_size = parse_decimal(parts.next()?)?;
    let parallelism = parse_decimal(parts.next()?)?;
    parts.next()?;
    if parts.next().is_some()
        || salt.is_empty()
        || !within_limits(work_factor, block_size, parallelism)
    {
        return None;
    }
    Some(Decoded {
        work_factor,
        salt,
        block_size,
        parallelism,
    })
}

/// Django re-encodes (always with a 64-byte key) and compares whole strings.
pub fn verify(password: &str, encoded: &str, decoded: &Decoded<'_>) -> bool {
    encode(
        password,
        decoded.salt,
        decoded.work_factor,
        decoded.block_size,
        decoded.parallelism,
    )
    .is_some_and(|candidate| constant_time_eq(&candidate, encoded))
}

/// Django does not look at the salt for scrypt.
pub fn must_update(decoded: &Decoded<'_>) -> bool {
    decoded.work_factor != WORK_FACTOR
        || decoded.block_size != BLOCK_SIZE
        || decoded.parallelism != PARALLELISM
}

#[cfg(test)]
mod tests {
    use super::super::vectors::*;
    use super::*;

    #[test]
    fn encode_reproduces_django() {
        for (password, encoded) in [
            (PASSWORD, DJANGO52_SCRYPT_ASCII),
            (PASSWORD_UNICODE, DJANGO52_SCRYPT_UNICODE),
            (PASSWORD, DJANGO52_SCRYPT_SMALL),
        ] {
            let d = decode(encoded).expect("Django hash parses");
            assert_eq!(
                encode(password, d.salt, d.work_factor, d.block_size, d.parallelism).as_deref(),
                Some(encoded)
            );
        }
    }

    #[test]
    fn must_update_tracks_every_parameter() {
        let current = decode(DJANGO52_SCRYPT_ASCII).expect("Django hash parses");
        assert!(!must_update(&current));
        assert!(!must_update(&Decoded {
            salt: "a",
            ..current
        }));
        assert!(must_update(&Decoded {
            work_factor: 1 << 13,
            ..current
        }));
        assert!(must_update(&Decoded {
            block_size: 4,
            ..current
        }));
        assert!(must_update(&Decoded {
            parallelism: 1,
            ..current
        }));
    }

    #[test]
    fn limits_follow_openssl() {
        assert!(within_limits(WORK_FACTOR, BLOCK_SIZE, PARALLELISM));
        // 128 * 8 * (32768 + 2) + 128 * 8 = just over 32 MiB: Django fails here too.
        assert!(!within_limits(1 << 15, 8, 1));
        assert!(within_limits(1 << 15, 1, 1));
        assert!(!within_limits(1 << 16, 1, 1));
        assert!(!within_limits(3, 8, 1));
        assert!(!within_limits(1 << 14, 8, MAX_PARALLELISM + 1));
        assert!(!within_limits(1 << 31, u32::MAX, u32::MAX));
    }
}
