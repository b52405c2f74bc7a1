//! `TOKENPAIR` settings of the password hashers.

use django_hashers::{HasherConfig, HasherKind};
use shared::settings::catalogue::{OURS, Section, Setting, set};
use shared::settings::{cores, values};

/// Django 6.1's count; Django 5.2 uses 1_000_000, set PBKDF2_ITERATIONS to match it.
const DJANGO_PBKDF2_ITERATIONS: u32 = 1_500_000;

#[derive(Debug, Clone)]
pub struct HashingSettings {
    /// For new hashes; 1_500_000 as Django 6.1 (Django 5.2: 1_000_000).
    pub pbkdf2_iterations: u32,
    /// The hasher of new passwords.
    pub password_hasher: HasherKind,
    /// Re-hash on login when the stored hash is outdated, as Django does.
    pub hash_upgrade: bool,
    pub hash_threads: usize,
    /// Hash jobs allowed to wait beyond the running ones.
    pub hash_queue: usize,
}

impl Default for HashingSettings {
    fn default() -> Self {
        Self {
            pbkdf2_iterations: DJANGO_PBKDF2_ITERATIONS,
            password_hasher: HasherKind::Pbkdf2Sha256,
            hash_upgrade: false,
            // One core stays for the cheap requests (refresh, verify) while logins
            // flood the hashing pool; see bench/RESULTS.md, case 7.
            hash_threads: cores().saturating_sub(1).max(1),
            hash_queue: 64,
        }
    }
}

impl HashingSettings {
    /// The parameters of new hashes.
    pub fn hasher_config(&self) -> HasherConfig {
        HasherConfig::new(self.password_hasher, self.pbkdf2_iterations)
    }
}

impl Section for HashingSettings {
    const SETTINGS: &'static [Setting<Self>] = &[
        Setting::new(
            OURS,
            "PBKDF2_ITERATIONS",
            "1500000",
            "cost of new `pbkdf2_sha256` hashes (Django 6.1; 1000000 = Django 5.2)",
            |s, raw| set(&mut s.pbkdf2_iterations, values::count(raw, 1)),
        ),
        Setting::new(
            OURS,
            "PASSWORD_HASHER",
            "`pbkdf2_sha256`",
            "hasher for new passwords: `pbkdf2_sha256` or `argon2`",
            |s, raw| {
                // The names Django's settings use, which are also the hash prefixes.
                let choices = [
                    (
                        HasherKind::Pbkdf2Sha256.algorithm(),
                        HasherKind::Pbkdf2Sha256,
                    ),
                    (HasherKind::Argon2.algorithm(), HasherKind::Argon2),
                ];
                set(&mut s.password_hasher, values::keyword(raw, &choices))
            },
        ),
        Setting::new(
            OURS,
            "HASH_UPGRADE",
            "false",
            "Django's re-hash on login when a hash is outdated (see compatibility notes before \
             enabling)",
            |s, raw| set(&mut s.hash_upgrade, values::boolean(raw)),
        ),
        Setting::new(
            OURS,
            "HASH_THREADS",
            "cores − 1 (at least 1)",
            "password hashes computed at once, on dedicated threads at the lowest CPU priority",
            |s, raw| set(&mut s.hash_threads, values::count(raw, 1)),
        ),
        Setting::new(
            OURS,
            "HASH_QUEUE",
            "64",
            "logins allowed to wait for a hashing thread; beyond, 503 at once",
            |s, raw| set(&mut s.hash_queue, values::count(raw, 0)),
        ),
    ];
}
