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

/// The URL forms the feed client accepts: the scheme and a host, checked at load time so a
/// typo fails `check` and start-up rather than every poll.
fn feed_url(raw: &RawValue) -> values::Parsed<Option<String>> {
    values::optional(raw, values::string).and_then(|url| match url {
        Some(url) if !(url.starts_with("http://") || url.starts_with("https://")) => {
            Err(format!("{url:?} is not an http:// or https:// URL"))
        }
        Some(url)
            if url
                .split("://")
                .nth(1)
                .is_none_or(|rest| rest.starts_with('/') || rest.is_empty()) =>
        {
            Err(format!("{url:?} names no host"))
        }
        other => Ok(other),
    })
}

use super::RawValue;

impl Section for FeedSettings {
    const SETTINGS: &'static [Setting<Self>] = &[
        Setting::new(
            OURS,
            "REVOCATION_URL",
            "unset",
            "resource services: auth-service's revocation feed \
             (`http://auth:8000/api/token/revocations/`); revoked tokens then get 401 within \
             about a second (README \"Revocation\")",
            |s, raw| set(&mut s.url, feed_url(raw)),
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
