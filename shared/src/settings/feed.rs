//! `TOKENPAIR` settings of the revocation feed (docs/revocation.md): auth-service serves it
//! when the secret is set; a resource service reads it when the URL is set too.

use super::Secret;
use super::catalogue::{OURS, Section, Setting, set};
use super::values;

#[derive(Debug, Clone, Default)]
pub struct FeedSettings {
    /// Where a resource service reads the feed (`.../api/token/revocations/`); `None`: it
    /// applies no revocation (stateless, as before).
    pub url: Option<String>,
    /// The bearer secret of the feed, on both sides.
    pub secret: Option<Secret>,
}

impl Section for FeedSettings {
    const SETTINGS: &'static [Setting<Self>] = &[
        Setting::new(
            OURS,
            "REVOCATION_URL",
            "unset",
            "resource services: auth-service's revocation feed \
             (`http://auth:8000/api/token/revocations/`); revoked tokens then get 401 within \
             about a second (README \"Revocation\")",
            |s, raw| set(&mut s.url, values::http_url(raw)),
        ),
        Setting::with_file(
            OURS,
            "REVOCATION_SECRET",
            "unset",
            "the revocation feed's bearer secret: auth-service serves `/api/token/revocations/` \
             only when it is set; resource services send it",
            |s, raw| set(&mut s.secret, values::secret(raw)),
        ),
    ];
}
