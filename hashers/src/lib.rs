//! Django-compatible password hashing: a port of `django.contrib.auth.hashers` with Django's
//! default `PASSWORD_HASHERS` (`pbkdf2_sha256`, `pbkdf2_sha1`, `argon2`, `bcrypt_sha256`,
//! `scrypt`), so that password columns can be shared with a Django deployment in both
//! directions.
//!
//! Every stored value is untrusted input: anything that does not parse, or whose cost parameters
//! are beyond the caps documented in each algorithm module, is simply "not a valid password"
//! (never a panic, never an unbounded computation or allocation).

pub mod argon2;
pub mod bcrypt;
pub mod pbkdf2;
pub mod scrypt;
pub mod unusable;
#[cfg(test)]
mod vectors;

pub use unusable::{is_usable, make_unusable_password};

use rand::Rng;
use rand::distr::Alphanumeric;
use subtle::ConstantTimeEq;

/// Django 6.1's `PBKDF2PasswordHasher.iterations`.
pub const DEFAULT_PBKDF2_ITERATIONS: u32 = 1_500_000;

/// Django's `BasePasswordHasher.salt_entropy`.
const SALT_ENTROPY_BITS: f64 = 128.0;

/// `ceil(128 / log2(62))`: what Django's `BasePasswordHasher.salt()` generates.
const SALT_CHARS: usize = 22;

/// Which algorithm new passwords are hashed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HasherKind {
    Pbkdf2Sha256,
    Argon2,
}

impl HasherKind {
    /// The algorithm name as it prefixes stored hashes.
    pub const fn algorithm(self) -> &'static str {
        match self {
            HasherKind::Pbkdf2Sha256 => pbkdf2::Digest::Sha256.algorithm(),
            HasherKind::Argon2 => argon2::ALGORITHM,
        }
    }
}

/// Parameters for new hashes, from settings. Cheap to clone.
#[derive(Debug, Clone)]
pub struct HasherConfig {
    pub default: HasherKind,
    /// Default 1_500_000 (Django 6.1); tests use e.g. 1000.
    pub pbkdf2_iterations: u32,
}

impl HasherConfig {
    pub fn new(default: HasherKind, pbkdf2_iterations: u32) -> Self {
        Self {
            default,
            pbkdf2_iterations,
        }
    }

    /// Zero would make the pbkdf2 crate silently do a single iteration (and make Django's
    /// hashlib raise), so a misconfigured zero falls back to the strong default instead of
    /// producing near-plaintext hashes.
    fn effective_pbkdf2_iterations(&self) -> u32 {
        if self.pbkdf2_iterations == 0 {
            DEFAULT_PBKDF2_ITERATIONS
        } else {
            self.pbkdf2_iterations
        }
    }
}

impl Default for HasherConfig {
    fn default() -> Self {
        Self::new(HasherKind::Pbkdf2Sha256, DEFAULT_PBKDF2_ITERATIONS)
    }
}

/// The outcome of [`check_password`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The password matches; `must_update` asks the caller to re-hash it with
    /// [`make_password`] and store the result (Django's `setter`).
    Valid {
        must_update: bool,
    },
    Invalid,
}

impl Verdict {
    pub fn is_valid(self) -> bool {
        matches!(self, Verdict::Valid { .. })
    }
}

/// Django's `check_password`, including the timing mitigation and `harden_runtime`.
/// CPU-heavy: callers run it off the async threads.
pub fn check_password(password: &str, encoded: &str, config: &HasherConfig) -> Verdict {
    let stored = if is_usable(encoded) {
        Stored::identify(encoded, config)
    } else {
        None
    };
    let Some(stored) = stored else {
        // Unusable, unknown or corrupt: spend what a real check would cost so that response
        // times do not tell these accounts apart from ones with a real password.
        run_dummy_hash(&random_string(unusable::SUFFIX_LEN), config);
        return Verdict::Invalid;
    };

    let hasher_changed = stored.algorithm() != config.default.algorithm();
    let must_update = hasher_changed || stored.must_update(config);
    let is_correct = stored.verify(password, encoded);

    // Like Django, only close the gap when the algorithm is unchanged: across algorithms there
    // is no meaningful "remaining work" to add.
    if !is_correct && !hasher_changed && must_update {
        stored.harden_runtime(password, config);
    }

    if is_correct {
        Verdict::Valid { must_update }
    } else {
        Verdict::Invalid
    }
}

/// Django's `make_password` with a fresh random salt and the configured default hasher.
pub fn make_password(password: &str, config: &HasherConfig) -> String {
    let salt = random_string(SALT_CHARS);
    let pbkdf2 = |salt: &str| {
        pbkdf2::encode(
            password,
            salt,
            config.effective_pbkdf2_iterations(),
            pbkdf2::Digest::Sha256,
        )
    };
    match config.default {
        HasherKind::Pbkdf2Sha256 => pbkdf2(&salt),
        // Argon2 can only fail here if its ~100 MiB work area cannot be allocated. Losing the
        // password would be worse than storing it with PBKDF2, which every reader accepts and
        // which `must_update` will upgrade at the next successful login.
        HasherKind::Argon2 => argon2::encode(password, &salt).unwrap_or_else(|_| pbkdf2(&salt)),
    }
}

/// The cost of one default hash on a throw-away password: what Django spends for an unknown
/// user (ModelBackend timing mitigation).
pub fn run_dummy_hash(password: &str, config: &HasherConfig) {
    // black_box keeps the optimiser from discarding work whose result is unused.
    std::hint::black_box(make_password(std::hint::black_box(password), config));
}

/// The algorithm name of a stored hash (text before the first '$'), if any.
pub fn algorithm_of(encoded: &str) -> Option<&str> {
    match encoded.split_once('$') {
        Some((algorithm, _)) if !algorithm.is_empty() => Some(algorithm),
        _ => None,
    }
}

/// A stored hash that parsed, with parameters within the caps, for one of Django's default
/// hashers. Plain `bcrypt`, `md5` and the other optional Django hashers are deliberately absent:
/// Django refuses them unless they are added to `PASSWORD_HASHERS`.
enum Stored<'a> {
    Pbkdf2(pbkdf2::Decoded<'a>),
    Argon2(argon2::Decoded),
    BcryptSha256(bcrypt::Decoded),
    Scrypt(scrypt::Decoded<'a>),
}

impl<'a> Stored<'a> {
    fn identify(encoded: &'a str, config: &HasherConfig) -> Option<Self> {
        let algorithm = algorithm_of(encoded)?;
        if pbkdf2::Digest::from_algorithm(algorithm).is_some() {
            // A deployment that raised its iteration count must still accept its own hashes.
            let max = pbkdf2::MAX_ITERATIONS.max(config.effective_pbkdf2_iterations());
            pbkdf2::decode(encoded, max).map(Stored::Pbkdf2)
        } else if algorithm == argon2::ALGORITHM {
            argon2::decode(encoded).map(Stored::Argon2)
        } else if algorithm == bcrypt::ALGORITHM {
            bcrypt::decode(encoded).map(Stored::BcryptSha256)
        } else if algorithm == scrypt::ALGORITHM {
            scrypt::decode(encoded).map(Stored::Scrypt)
        } else {
            None
        }
    }

    fn algorithm(&self) -> &'static str {
        match self {
            Stored::Pbkdf2(decoded) => decoded.digest.algorithm(),
            Stored::Argon2(_) => argon2::ALGORITHM,
            Stored::BcryptSha256(_) => bcrypt::ALGORITHM,
            Stored::Scrypt(_) => scrypt::ALGORITHM,
        }
    }

    fn verify(&self, password: &str, encoded: &str) -> bool {
        match self {
            Stored::Pbkdf2(decoded) => pbkdf2::verify(password, encoded, decoded),
            Stored::Argon2(decoded) => argon2::verify(password, decoded),
            Stored::BcryptSha256(decoded) => bcrypt::verify(password, encoded, decoded),
            Stored::Scrypt(decoded) => scrypt::verify(password, encoded, decoded),
        }
    }

    /// Only meaningful when this is also the configured algorithm (Django asks the preferred
    /// hasher, and short-circuits when the algorithm differs).
    fn must_update(&self, config: &HasherConfig) -> bool {
        match self {
            Stored::Pbkdf2(decoded) => {
                pbkdf2::must_update(decoded, config.effective_pbkdf2_iterations())
            }
            Stored::Argon2(decoded) => argon2::must_update(decoded),
            Stored::BcryptSha256(decoded) => bcrypt::must_update(decoded),
            Stored::Scrypt(decoded) => scrypt::must_update(decoded),
        }
    }

    fn harden_runtime(&self, password: &str, config: &HasherConfig) {
        match self {
            Stored::Pbkdf2(decoded) => {
                pbkdf2::harden_runtime(password, decoded, config.effective_pbkdf2_iterations());
            }
            Stored::BcryptSha256(decoded) => bcrypt::harden_runtime(password, decoded),
            // Django: "too complicated to implement a sensible hardening algorithm".
            Stored::Argon2(_) | Stored::Scrypt(_) => {}
        }
    }
}

/// Django's `get_random_string`: uniform over `[a-zA-Z0-9]` from a CSPRNG.
fn random_string(len: usize) -> String {
    rand::rng()
        .sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// Django's `must_update_salt`. Django counts characters (code points), not bytes, and assumes
/// they came from its 62-letter alphabet.
fn salt_needs_update(salt_chars: usize) -> bool {
    #[allow(clippy::cast_precision_loss)] // salts are far shorter than 2^52 characters
    let bits = salt_chars as f64 * 62f64.log2();
    bits < SALT_ENTROPY_BITS
}

/// Django's `constant_time_compare`, which compares the whole re-encoded string: any
/// non-canonical spelling of a stored hash therefore fails, exactly as in Django.
fn constant_time_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// A plain decimal `u32`. `str::parse` alone would also take a leading `+`.
fn parse_decimal(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

// In their own file: they are twice the size of the code they test.
#[cfg(test)]
mod tests;
