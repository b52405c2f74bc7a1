//! `TOKENPAIR` settings of refresh-token revocation: the blacklist and reuse detection.

use shared::settings::catalogue::{OURS, Section, Setting, set};
use shared::settings::values;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct RevocationSettings {
    /// Whether simplejwt's `token_blacklist` app is "installed": outstanding rows
    /// are written and the blacklist is consulted (docs/simplejwt.md §4.5).
    pub token_blacklist: bool,
    pub reuse_detection: bool,
    pub reuse_grace: Duration,
}

impl Default for RevocationSettings {
    fn default() -> Self {
        Self {
            token_blacklist: true,
            reuse_detection: false,
            reuse_grace: Duration::from_secs(5),
        }
    }
}

impl Section for RevocationSettings {
    const SETTINGS: &'static [Setting<Self>] = &[
        Setting::new(
            OURS,
            "TOKEN_BLACKLIST",
            "true",
            "simplejwt's `token_blacklist` app \"installed\": outstanding rows, blacklist checks",
            |s, raw| set(&mut s.token_blacklist, values::boolean(raw)),
        ),
        Setting::new(
            OURS,
            "REUSE_DETECTION",
            "false",
            "refresh-token reuse detection (needs rotation + blacklist after rotation)",
            |s, raw| set(&mut s.reuse_detection, values::boolean(raw)),
        ),
        Setting::new(
            OURS,
            "REUSE_GRACE",
            "5s",
            "window in which a reused rotated token is a client's duplicate, not theft",
            |s, raw| set(&mut s.reuse_grace, values::duration(raw)),
        ),
    ];
}
