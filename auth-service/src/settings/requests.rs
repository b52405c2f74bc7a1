//! `TOKENPAIR` settings of request bodies, which only auth-service reads (protected-service's
//! one route takes none).

use shared::settings::catalogue::{OURS, Section, Setting, set};
use shared::settings::values;

/// A smaller limit would start refusing ordinary login and refresh requests (a refresh token
/// alone is several hundred bytes).
const MIN_BODY_BYTES: u64 = 1024;

#[derive(Debug, Clone)]
pub struct RequestSettings {
    pub max_body_bytes: usize,
}

impl Default for RequestSettings {
    fn default() -> Self {
        Self {
            max_body_bytes: 65_536,
        }
    }
}

impl Section for RequestSettings {
    const SETTINGS: &'static [Setting<Self>] = &[Setting::new(
        OURS,
        "MAX_BODY_BYTES",
        "65536",
        "larger request bodies get 413",
        |s, raw| set(&mut s.max_body_bytes, values::count(raw, MIN_BODY_BYTES)),
    )];
}
