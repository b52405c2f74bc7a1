//! Django's `BCryptSHA256PasswordHasher`: `bcrypt_sha256$` followed by a bcrypt string
//! (`$2b$12$<22-char salt><31-char hash>`) of the password's lowercase hex SHA-256 digest.
//! The pre-hash sidesteps bcrypt's 72-byte truncation (Django ticket #20138).
//!
//! Plain `bcrypt` (no pre-hash) is not in Django's default `PASSWORD_HASHERS` and is refused.

use ::bcrypt::HashParts;
use sha2::{Digest, Sha256};

use super::constant_time_eq;

pub const ALGORITHM: &str = "bcrypt_sha256";

/// Django's `BCryptSHA256PasswordHasher.rounds`.
pub const ROUNDS: u32 = 12;
/// bcrypt's own floor.
pub const MIN_ROUNDS: u32 = 4;
/// Each round doubles the cost, so bcrypt's ceiling of 31 would mean days of CPU for one corrupt
/// row; 16 is 16x Django's default (seconds).
pub const MAX_ROUNDS: u32 = 16;

/// The bcrypt version prefix; Django keeps whichever the stored hash has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefix {
    TwoA,
    TwoB,
    TwoY,
}

impl From<Prefix> for ::bcrypt::Version {
    fn from(prefix: Prefix) -> Self {
        match prefix {
            Prefix::TwoA => ::bcrypt::Version::TwoA,
            Prefix::TwoB => ::bcrypt::Version::TwoB,
            Prefix::TwoY => ::bcrypt::Version::TwoY,
        }
    }
}

/// The parameters of a stored `bcrypt_sha256` hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded {
    pub prefix: Prefix,
    pub cost: u32,
    pub salt: [u8; 16],
}

/// Django's `BCryptSHA256PasswordHasher.encode`; `None` if bcrypt refuses the cost.
pub fn encode(password: &str, prefix: Prefix, cost: u32, salt: [u8; 16]) -> Option<String> {
    let parts = ::bcrypt::hash_with_salt(prehash(password), cost, salt).ok()?;
    Some(format!(
        "{ALGORITHM}${}",
        parts.format_for_version(prefix.into())
    ))
}

/// `binascii.hexlify(sha256(password).digest())`: 64 ASCII bytes, under bcrypt's 72-byte limit.
fn prehash(password: &str) -> [u8; 64] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(password.as_bytes());
    let mut hex = [0; 64];
    for (pair, byte) in hex.chunks_exact_mut(2).zip(digest) {
        pair[0] = HEX[usize::from(byte >> 4)];
        pair[1] = HEX[usize::from(byte & 0x0f)];
    }
    hex
}

/// Parses a stored hash; `None` for anything pyca/bcrypt would refuse, or above [`MAX_ROUNDS`].
pub fn decode(encoded: &str) -> Option<Decoded> {
    let data = encoded.strip_prefix(ALGORITHM)?.strip_prefix('$')?;
    let prefix = match data.get(1..3)? {
        "2a" => Prefix::TwoA,
        "2b" => Prefix::TwoB,
        "2y" => Prefix::TwoY,
        _ => return None,
    };
    let parts: HashParts = data.parse().ok()?;
    let cost = parts.get_cost();
    if !(MIN_ROUNDS..=MAX_ROUNDS).contains(&cost) {
        return None;
    }
    Some(Decoded {
        prefix,
        cost,
        salt: parts.get_salt_raw(),
    })
}

/// Django re-encodes with the stored salt and compares whole strings.
pub fn verify(password: &str, encoded: &str, decoded: &Decoded) -> bool {
    encode(password, decoded.prefix, decoded.cost, decoded.salt)
        .is_some_and(|candidate| constant_time_eq(&candidate, encoded))
}

/// Django compares the work factor only.
pub fn must_update(decoded: &Decoded) -> bool {
    decoded.cost != ROUNDS
}

/// Django's `harden_runtime`: each missing round doubles the work, so repeat the stored-cost
/// hash `2^(ROUNDS - cost) - 1` more times.
pub fn harden_runtime(password: &str, decoded: &Decoded) {
    let missing_rounds = ROUNDS.saturating_sub(decoded.cost);
    for _ in 1..(1u32 << missing_rounds) {
        std::hint::black_box(encode(password, decoded.prefix, decoded.cost, decoded.salt));
    }
}

#[cfg(test)]
mod tests {
    use super::super::vectors::*;
    use super::*;

    #[test]
    fn prehash_is_lowercase_hex_sha256() {
        assert_eq!(
            &prehash("secret"),
            b"2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b"
        );
    }

    #[test]
    fn encode_reproduces_django() {
        for (password, encoded) in [
            (PASSWORD, DJANGO52_BCRYPT_SHA256_COST5),
            (PASSWORD, DJANGO52_BCRYPT_SHA256_2A_COST4),
        ] {
            let decoded = decode(encoded).expect("Django hash parses");
            assert_eq!(
                encode(password, decoded.prefix, decoded.cost, decoded.salt).as_deref(),
                Some(encoded)
            );
        }
    }

    #[test]
    fn decode_reads_the_parameters() {
        let decoded = decode(DJANGO52_BCRYPT_SHA256_2A_COST4).expect("Django hash parses");
        assert_eq!((decoded.prefix, decoded.cost), (Prefix::TwoA, 4));
        assert!(must_update(&decoded));
        let decoded = decode(DJANGO52_BCRYPT_SHA256_ASCII).expect("Django hash parses");
        assert_eq!((decoded.prefix, decoded.cost), (Prefix::TwoB, 12));
        assert!(!must_update(&decoded));
        assert_eq!(decode(DJANGO52_BCRYPT_PLAIN), None);
        let too_costly = DJANGO52_BCRYPT_SHA256_COST5.replace("$05$", "$17$");
        assert_eq!(decode(&too_costly), None);
    }
}
