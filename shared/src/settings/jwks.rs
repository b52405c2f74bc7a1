//! The `TOKENPAIR` settings of a resource service that fetches its verifying keys from
//! `SIMPLE_JWT.JWK_URL` (`crate::jwks`): how often, and how soon again after a token names a
//! key it does not know.

use super::catalogue::{OURS, Section, Setting, set};
use super::values;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct JwksSettings {
    /// Shortest time between two fetches: a token with an unknown `kid` triggers at most one
    /// fetch per cooldown, and start-up retries back off up to it.
    pub cooldown: Duration,
    /// Time between two fetches when nothing asks for one sooner.
    pub refresh: Duration,
}

impl Default for JwksSettings {
    fn default() -> Self {
        Self {
            cooldown: Duration::from_secs(30),
            refresh: Duration::from_secs(5 * 60),
        }
    }
}

impl Section for JwksSettings {
    const SETTINGS: &'static [Setting<Self>] = &[
        Setting::new(
            OURS,
            "JWKS_COOLDOWN",
            "30s",
            "with `JWK_URL`: shortest time between two JWKS fetches; a token with an unknown `kid` \
             triggers at most one per cooldown (start-up retries back off up to it)",
            |s, raw| set(&mut s.cooldown, values::positive_duration(raw)),
        ),
        Setting::new(
            OURS,
            "JWKS_REFRESH",
            "5m",
            "with `JWK_URL`: time between two scheduled JWKS fetches",
            |s, raw| set(&mut s.refresh, values::positive_duration(raw)),
        ),
    ];
}
