//! Our own `TOKENPAIR` table: knobs simplejwt does not have (hashing, pools, limits, logging).

use super::values::{self, Parsed};
use super::{LogFormat, PasswordHasherKind, TokenpairSettings};
use config::ValueKind;
use std::num::NonZeroUsize;
use std::time::Duration;

/// For "did you mean" hints; an unknown name here is an error since nothing else reads it.
pub(super) const NAMES: &[&str] = &[
    "PBKDF2_ITERATIONS",
    "PASSWORD_HASHER",
    "HASH_UPGRADE",
    "HASH_THREADS",
    "HASH_QUEUE",
    "DB_POOL_SIZE",
    "DB_POOL_TIMEOUT",
    "MAX_BODY_BYTES",
    "WORKERS",
    "LOG_FORMAT",
    "LOG_LEVEL",
    "REUSE_DETECTION",
    "REUSE_GRACE",
    "TOKEN_BLACKLIST",
];

/// Django 6.1's count; Django 5.2 uses 1_000_000, set PBKDF2_ITERATIONS to match it.
const DJANGO_PBKDF2_ITERATIONS: u32 = 1_500_000;

/// A smaller limit would start refusing ordinary login and refresh requests (a refresh token
/// alone is several hundred bytes).
const MIN_BODY_BYTES: u64 = 1024;

impl Default for TokenpairSettings {
    fn default() -> Self {
        TokenpairSettings {
            pbkdf2_iterations: DJANGO_PBKDF2_ITERATIONS,
            password_hasher: PasswordHasherKind::Pbkdf2Sha256,
            hash_upgrade: false,
            // One core stays for the cheap requests (refresh, verify) while logins
            // flood the hashing pool; see bench/RESULTS.md, case 7.
            hash_threads: cores().saturating_sub(1).max(1),
            hash_queue: 64,
            db_pool_size: 10,
            db_pool_timeout: Duration::from_secs(5),
            max_body_bytes: 65_536,
            workers: cores(),
            log_format: LogFormat::Text,
            log_level: "info".to_owned(),
            reuse_detection: false,
            reuse_grace: Duration::from_secs(5),
            token_blacklist: true,
        }
    }
}

impl TokenpairSettings {
    /// One `TOKENPAIR` entry; `Ok(false)` when the name is not ours.
    pub(super) fn apply(&mut self, name: &str, raw: &ValueKind) -> Parsed<bool> {
        match name {
            "PBKDF2_ITERATIONS" => self.pbkdf2_iterations = values::count(raw, 1)?,
            "PASSWORD_HASHER" => {
                self.password_hasher = values::keyword(
                    raw,
                    &[
                        ("pbkdf2_sha256", PasswordHasherKind::Pbkdf2Sha256),
                        ("argon2", PasswordHasherKind::Argon2),
                    ],
                )?;
            }
            "HASH_UPGRADE" => self.hash_upgrade = values::boolean(raw)?,
            "HASH_THREADS" => self.hash_threads = values::count(raw, 1)?,
            "HASH_QUEUE" => self.hash_queue = values::count(raw, 0)?,
            "DB_POOL_SIZE" => self.db_pool_size = values::count(raw, 1)?,
            "DB_POOL_TIMEOUT" => {
                let timeout = values::duration(raw)?;
                // r2d2 panics on a zero connection timeout.
                if timeout.is_zero() {
                    return Err("must be more than 0 seconds".to_owned());
                }
                self.db_pool_timeout = timeout;
            }
            "MAX_BODY_BYTES" => self.max_body_bytes = values::count(raw, MIN_BODY_BYTES)?,
            "WORKERS" => self.workers = values::count(raw, 1)?,
            "LOG_FORMAT" => {
                self.log_format =
                    values::keyword(raw, &[("text", LogFormat::Text), ("json", LogFormat::Json)])?;
            }
            // Checked where the EnvFilter is built: this crate does not link tracing-subscriber.
            "LOG_LEVEL" => self.log_level = values::string(raw)?.trim().to_owned(),
            "REUSE_DETECTION" => self.reuse_detection = values::boolean(raw)?,
            "REUSE_GRACE" => self.reuse_grace = values::duration(raw)?,
            "TOKEN_BLACKLIST" => self.token_blacklist = values::boolean(raw)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_name_is_handled() {
        let mut settings = TokenpairSettings::default();
        for name in NAMES {
            // "none" is rejected by every parser, but only after the name matched.
            let outcome = settings.apply(name, &ValueKind::String("none".into()));
            assert!(outcome.is_err(), "{name}");
        }
        assert_eq!(
            settings.apply("NOPE", &ValueKind::String("1".into())),
            Ok(false)
        );
    }
}
