//! Revocation as resource services see it (docs/revocation.md): auth-service publishes
//! per-user revoked-before times and per-token revocations on its feed; [`feed`] follows it
//! in the background and keeps [`Revocations`], which the `TokenUser` extractor asks with one
//! map lookup per request. The rule itself ([`revoked_before`]) is the one auth-service applies
//! to its own tables.

pub mod feed;
pub mod wire;

use serde_json::Value;
use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::tokens::claims::ClaimLookup;
use wire::{Event, Kind, Page};

/// The message of a revoked token (401 `token_not_valid`, simplejwt's shape).
pub const REVOKED: &str = "Token has been revoked";

/// Whether a token issued at `iat` (seconds; `None`: no usable `iat`) is revoked by a
/// revocation at `second` (whole seconds since the epoch). A token issued in the very second
/// of a revocation is revoked too (the safe side: its holder logs in again); a token without
/// `iat` cannot show it is newer, so any revocation revokes it.
pub fn revoked_before(iat: Option<f64>, second: i64) -> bool {
    match iat {
        Some(iat) => iat.floor() <= second as f64,
        None => true,
    }
}

/// How long a per-user revocation matters, in seconds: a token issued just before it stays
/// unexpired for its lifetime (the longest of access and sliding tokens, the classes resource
/// services accept) plus `LEEWAY`.
pub fn keep_secs(jwt: &crate::settings::JwtSettings) -> u64 {
    let lifetime = jwt.access_token_lifetime.max(jwt.sliding_token_lifetime);
    lifetime.as_secs() + 1 + jwt.leeway.max(0.0).ceil() as u64
}

/// A user-id claim as the feed names users: the claim's text (simplejwt >= 5.5.1 writes a
/// string, older versions an integer, whose decimal text is the same).
pub fn subject_of(claim: &Value) -> Option<std::borrow::Cow<'_, str>> {
    match claim {
        Value::String(s) => Some(s.as_str().into()),
        Value::Number(n) => Some(n.to_string().into()),
        _ => None,
    }
}

/// What the feed has said so far: immutable between batches, read under a read lock that is
/// held for one or two hash lookups (writers hold it for one batch, at most a page).
#[derive(Debug, Default)]
struct Table {
    /// User claim text -> revoked-before second.
    users: HashMap<String, i64>,
    /// jti -> the token's `exp` (second), after which the entry is useless.
    tokens: HashMap<String, i64>,
}

/// Why a token is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Revoked,
    /// The first snapshot has not arrived: refused (fail closed) with 503.
    NotLoaded,
}

/// The revocations a resource service applies, fed by [`feed`].
#[derive(Debug, Default)]
pub struct Revocations {
    table: RwLock<Table>,
    loaded: AtomicBool,
}

impl Revocations {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the first snapshot has been applied (readiness).
    pub fn is_loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    pub(crate) fn mark_loaded(&self) {
        self.loaded.store(true, Ordering::Release);
    }

    /// `Err` when a verified token must be refused: its user's revoked-before time covers its
    /// `iat`, or its jti is listed. `user_claim`/`jti_claim`: `USER_ID_CLAIM`, `JTI_CLAIM`.
    pub fn check(
        &self,
        payload: &(impl ClaimLookup + ?Sized),
        user_claim: &str,
        jti_claim: Option<&str>,
    ) -> Result<(), Verdict> {
        if !self.is_loaded() {
            return Err(Verdict::NotLoaded);
        }
        let table = self.table.read().unwrap_or_else(|e| e.into_inner());
        if !table.users.is_empty()
            && let Some(subject) = payload.claim(user_claim).and_then(subject_of)
            && let Some(&second) = table.users.get(subject.as_ref())
        {
            let iat = payload
                .claim("iat")
                .and_then(crate::tokens::claims::epoch_seconds);
            if revoked_before(iat, second) {
                return Err(Verdict::Revoked);
            }
        }
        if !table.tokens.is_empty()
            && let Some(jti) = jti_claim
                .and_then(|c| payload.claim(c))
                .and_then(subject_of)
            && table.tokens.contains_key(jti.as_ref())
        {
            return Err(Verdict::Revoked);
        }
        Ok(())
    }

    /// Apply one page of the feed; entries that can no longer matter at `now` (seconds) are
    /// dropped. Returns how many events were applied.
    pub fn apply(&self, page: &Page, now: i64) -> usize {
        let mut table = self.table.write().unwrap_or_else(|e| e.into_inner());
        for Event(kind, subject, second) in &page.events {
            let map = match kind {
                Kind::User => &mut table.users,
                Kind::Token => &mut table.tokens,
            };
            let entry = map.entry(subject.clone()).or_insert(*second);
            *entry = (*entry).max(*second);
        }
        // A user's time matters while tokens issued before it may still be unexpired (`keep`
        // seconds, as the feed says); a token's until its `exp`.
        let keep = page.keep as i64;
        table.users.retain(|_, second| *second + keep >= now);
        table.tokens.retain(|_, exp| *exp >= now);
        page.events.len()
    }

    /// Entries held (users, tokens), for tests and metrics.
    pub fn len(&self) -> (usize, usize) {
        let table = self.table.read().unwrap_or_else(|e| e.into_inner());
        (table.users.len(), table.tokens.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(value: Value) -> crate::tokens::Claims {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    #[test]
    fn the_revocation_second_is_revoked_the_next_is_not() {
        assert!(revoked_before(Some(1_699_999_000.0), 1_700_000_000));
        assert!(revoked_before(Some(1_700_000_000.9), 1_700_000_000));
        assert!(!revoked_before(Some(1_700_000_001.0), 1_700_000_000));
        assert!(revoked_before(None, 1_700_000_000));
    }

    #[test]
    fn users_and_tokens_are_looked_up_by_claim() {
        let r = Revocations::new();
        let token = claims(json!({"user_id": "7", "iat": 100, "jti": "a"}));
        assert_eq!(
            r.check(&token, "user_id", Some("jti")),
            Err(Verdict::NotLoaded)
        );
        let page = Page {
            cursor: 2,
            more: false,
            keep: 300,
            events: vec![
                Event(Kind::User, "7".into(), 100),
                Event(Kind::Token, "b".into(), 500),
            ],
        };
        assert_eq!(r.apply(&page, 150), 2);
        r.mark_loaded();
        assert_eq!(
            r.check(&token, "user_id", Some("jti")),
            Err(Verdict::Revoked)
        );
        let integer_claim = claims(json!({"user_id": 7, "iat": 100}));
        assert_eq!(
            r.check(&integer_claim, "user_id", None),
            Err(Verdict::Revoked)
        );
        let newer = claims(json!({"user_id": "7", "iat": 101, "jti": "a"}));
        assert_eq!(r.check(&newer, "user_id", Some("jti")), Ok(()));
        let listed = claims(json!({"user_id": "8", "iat": 101, "jti": "b"}));
        assert_eq!(
            r.check(&listed, "user_id", Some("jti")),
            Err(Verdict::Revoked)
        );
        // past the horizon and past exp, both are forgotten
        let empty = Page {
            cursor: 2,
            more: false,
            keep: 300,
            events: vec![],
        };
        r.apply(&empty, 1000);
        assert_eq!(r.len(), (0, 0));
    }
}
