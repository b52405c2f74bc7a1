//! The typed settings both services read; a service's own settings (auth-service: database,
//! hashers, revocation, throttling) are its [`Extension`], loaded in the same pass.
//!
//! Three layers, later ones winning: the defaults (simplejwt's, docs/simplejwt.md §3, and ours), an optional
//! TOML file, and the environment:
//!
//! ```toml
//! DATABASE_URL = "postgres://..."        # env: DATABASE_URL
//! SECRET_KEY = "..."                     # env: SECRET_KEY (simplejwt's default SIGNING_KEY)
//! [SIMPLE_JWT]                           # env: SIMPLE_JWT__<NAME>
//! ACCESS_TOKEN_LIFETIME = "5m"
//! [TOKENPAIR]                            # env: TOKENPAIR__<NAME>
//! PBKDF2_ITERATIONS = 1500000
//! ```
//!
//! The secret settings (and the verifying key) also accept `NAME_FILE` in the environment, the
//! value then being the file's content (`files.rs`).
//!
//! Names are case-sensitive everywhere, as they are in Django. The value syntax is in
//! `values.rs`, each setting's name, default, parser and description in its section's catalogue
//! (`catalogue.rs`). Unknown `SIMPLE_JWT` names only warn (simplejwt ignores them); an unknown
//! `TOKENPAIR` name is an error where the service knows every name (auth-service), and another
//! service's setting elsewhere unless it looks like a typo of one of ours.

pub mod catalogue;
mod cookies;
mod feed;
mod files;
mod jwks;
mod keys;
mod load;
mod secret;
mod server;
mod simplejwt;
pub mod values;

pub use catalogue::{Applied, Extension, RawValue, Section, Setting};
pub use cookies::CookieSettings;
pub use feed::FeedSettings;
pub use jwks::JwksSettings;
pub use keys::{
    KeyRules, KeySettings, MAKE_HMAC_KEY, MIN_RSA_BITS, ShortKey, min_hmac_key_bytes,
    require_rsa_bits,
};
pub use secret::Secret;
pub use server::{LogFormat, LogSettings, ServerSettings, cores};
pub use simplejwt::{Audience, JwtSettings, TokenClass};

use std::collections::BTreeSet;

/// A settings problem, as one line naming the setting the way the user wrote it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SettingsError(pub String);

/// What both services read.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `SECRET_KEY` and `TOKENPAIR__ALLOW_WEAK_KEY`, as given; the key in use is `jwt`'s.
    pub keys: KeySettings,
    pub jwt: JwtSettings,
    pub server: ServerSettings,
    /// How keys are fetched from `SIMPLE_JWT.JWK_URL` (resource services).
    pub jwks: JwksSettings,
    pub log: LogSettings,
    /// The revocation feed (`REVOCATION_URL`, `REVOCATION_SECRET`).
    pub feed: FeedSettings,
    /// Cookie mode and its CSRF origins (`COOKIE_MODE`, `CSRF_TRUSTED_ORIGINS`, ...).
    pub cookies: CookieSettings,
    /// To be logged at start-up.
    pub warnings: Vec<String>,
    /// Keys set by the file or the environment, e.g. `SIMPLE_JWT.CHECK_USER_IS_ACTIVE`.
    explicit: BTreeSet<String>,
}

impl Settings {
    /// Whether the file or the environment set `key` (e.g. `SIMPLE_JWT.CHECK_USER_IS_ACTIVE`,
    /// `TOKENPAIR.WORKERS`, `SECRET_KEY`), even if to its default value.
    pub fn is_explicit(&self, key: &str) -> bool {
        self.explicit.contains(key)
    }
}

/// For code that takes either service's settings (`shared::server::serve`).
impl AsRef<Settings> for Settings {
    fn as_ref(&self) -> &Settings {
        self
    }
}

// In their own file: they are longer than the loader they test.
#[cfg(test)]
mod tests;
