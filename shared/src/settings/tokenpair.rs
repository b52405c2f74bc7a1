//! Our own `TOKENPAIR` table: knobs simplejwt does not have (hashing, pools, limits, logging).

use super::security::{self, Rate};
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
    "MAX_HEADER_BYTES",
    "CLIENT_HEAD_TIMEOUT",
    "CLIENT_BODY_TIMEOUT",
    "LOGIN_THROTTLE_USER",
    "LOGIN_THROTTLE_IP",
    "TRUSTED_PROXIES",
    "ALLOW_WEAK_KEY",
    "DB_STATEMENT_TIMEOUT",
    "SHUTDOWN_GRACE",
];

/// Django 6.1's count; Django 5.2 uses 1_000_000, set PBKDF2_ITERATIONS to match it.
const DJANGO_PBKDF2_ITERATIONS: u32 = 1_500_000;

/// A smaller limit would start refusing ordinary login and refresh requests (a refresh token
/// alone is several hundred bytes).
const MIN_BODY_BYTES: u64 = 1024;

/// gunicorn's `limit_request_field_size`, what Django deployments already live with.
const GUNICORN_FIELD_LIMIT: usize = 8190;

/// Below this an ordinary `Authorization: Bearer <token>` header would not fit.
const MIN_HEADER_BYTES: u64 = 1024;

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
            max_header_bytes: GUNICORN_FIELD_LIMIT,
            client_head_timeout: Duration::from_secs(5),
            client_body_timeout: Duration::from_secs(10),
            login_throttle_user: Some(Rate::per_minute(10)),
            login_throttle_ip: Some(Rate::per_minute(300)),
            trusted_proxies: Vec::new(),
            allow_weak_key: false,
            db_statement_timeout: Duration::from_secs(5),
            // Under compose's default stop timeout (10 s), so the process exits by itself.
            shutdown_grace: Duration::from_secs(8),
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
            // r2d2 panics on a zero connection timeout.
            "DB_POOL_TIMEOUT" => self.db_pool_timeout = positive(raw)?,
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
            "MAX_HEADER_BYTES" => self.max_header_bytes = values::count(raw, MIN_HEADER_BYTES)?,
            "CLIENT_HEAD_TIMEOUT" => self.client_head_timeout = positive(raw)?,
            "CLIENT_BODY_TIMEOUT" => self.client_body_timeout = positive(raw)?,
            "LOGIN_THROTTLE_USER" => self.login_throttle_user = security::rate(raw)?,
            "LOGIN_THROTTLE_IP" => self.login_throttle_ip = security::rate(raw)?,
            "TRUSTED_PROXIES" => self.trusted_proxies = security::networks(raw)?,
            "ALLOW_WEAK_KEY" => self.allow_weak_key = values::boolean(raw)?,
            "DB_STATEMENT_TIMEOUT" => self.db_statement_timeout = positive(raw)?,
            "SHUTDOWN_GRACE" => self.shutdown_grace = values::duration(raw)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// A duration where zero would mean "never" or "at once", neither of which is wanted.
fn positive(raw: &ValueKind) -> Parsed<Duration> {
    let duration = values::duration(raw)?;
    if duration.is_zero() {
        return Err("must be more than 0 seconds".to_owned());
    }
    Ok(duration)
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
            // "none" is rejected by every parser, but only after the name matched; for
            // TRUSTED_PROXIES it is the empty list, so an unknown value stands in.
            let value = if *name == "TRUSTED_PROXIES" {
                "?"
            } else {
                "none"
            };
            let outcome = settings.apply(name, &ValueKind::String(value.into()));
            assert!(outcome.is_err(), "{name}");
        }
        assert_eq!(
            settings.apply("NOPE", &ValueKind::String("1".into())),
            Ok(false)
        );
    }
}
