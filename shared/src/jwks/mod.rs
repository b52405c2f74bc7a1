//! Verifying keys fetched from a JWKS (`SIMPLE_JWT.JWK_URL`), for resource services:
//! protected-service and any actix service using [`crate::Authenticator`].
//!
//! simplejwt hands `JWK_URL` to PyJWT's `PyJWKClient`, which fetches the set when a token
//! names a `kid` it has not cached, on the request. Here requests never wait for the network:
//! a background task ([`refresh`]) fetches at start-up (retrying with backoff until it has
//! keys: the service is not ready and answers 503 until then), every `JWKS_REFRESH`, and
//! after a token names an unknown `kid`, at most once per `JWKS_COOLDOWN` (a stream of forged
//! `kid`s costs one fetch per cooldown, not one per request). That token gets 401 at once; a
//! key introduced at auth-service is known here within one cooldown, which is why a rotation
//! publishes the new key before signing with it. When the endpoint fails, the keys already
//! fetched keep serving; an answer that is not a usable JWKS never replaces them.
//!
//! Requests read the set through [`JwksKeys::current`]: a read lock held for one `Arc` clone.

mod fetch;
mod parse;
mod refresh;

use jsonwebtoken::{Algorithm, DecodingKey};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

pub use fetch::{DEADLINE, MAX_BODY_BYTES};
pub use parse::{MAX_KEYS, Parsed, Refused, parse};

use crate::settings::JwksSettings;

/// One key of the fetched set.
pub struct FetchedKey {
    /// Unique in the process: tells the verifier cached for this key apart (`tokens::codec`).
    pub id: u64,
    pub kid: String,
    pub key: DecodingKey,
}

/// The keys of one successful fetch, in the document's order.
pub struct KeySet {
    keys: Vec<FetchedKey>,
}

impl KeySet {
    pub fn find(&self, kid: &str) -> Option<&FetchedKey> {
        self.keys.iter().find(|key| key.kid == kid)
    }

    pub fn kids(&self) -> impl Iterator<Item = &str> {
        self.keys.iter().map(|key| key.kid.as_str())
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// The keys of one `JWK_URL`, as last fetched; `None` until the first fetch succeeds.
pub struct JwksKeys {
    url: String,
    algorithm: Algorithm,
    current: RwLock<Option<Arc<KeySet>>>,
    signal: Arc<Signal>,
    started: AtomicBool,
}

/// What requests tell the refresher: a token named a `kid` the set does not hold.
struct Signal {
    wanted: AtomicBool,
    wake: tokio::sync::Notify,
}

impl std::fmt::Debug for JwksKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwksKeys")
            .field("url", &refresh::shown_url(&self.url))
            .field("loaded", &self.is_loaded())
            .finish_non_exhaustive()
    }
}

impl JwksKeys {
    /// An empty set for `url`; nothing is fetched before [`JwksKeys::start`].
    pub fn new(url: &str, algorithm: Algorithm) -> Self {
        Self {
            url: url.to_owned(),
            algorithm,
            current: RwLock::new(None),
            signal: Arc::new(Signal {
                wanted: AtomicBool::new(false),
                wake: tokio::sync::Notify::new(),
            }),
            started: AtomicBool::new(false),
        }
    }

    /// The set in use, `None` before the first successful fetch.
    pub fn current(&self) -> Option<Arc<KeySet>> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Whether a fetch has succeeded: until then the service is not ready.
    pub fn is_loaded(&self) -> bool {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .is_some()
    }

    /// A token named a `kid` the set does not hold: ask for a fetch. Cheap (one atomic swap),
    /// and however many requests ask, the refresher fetches at most once per cooldown.
    pub fn unknown_kid(&self) {
        if !self.signal.wanted.swap(true, Ordering::AcqRel) {
            self.signal.wake.notify_one();
        }
    }

    fn replace(&self, keys: Vec<FetchedKey>) {
        let set = Arc::new(KeySet { keys });
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(set);
    }

    /// Starts the refresher on the current tokio runtime (once; later calls do nothing). It
    /// stops by itself once every holder of these keys is gone. `registry`: where its metrics
    /// go (`tokenpair_jwks_*`).
    pub fn start(
        self: &Arc<Self>,
        settings: &JwksSettings,
        registry: Option<&prometheus::Registry>,
    ) -> Result<(), String> {
        if self.started.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let metrics = registry
            .map(refresh::Metrics::register)
            .transpose()
            .map_err(|e| format!("JWKS metrics: {e}"))?;
        let client = fetch::client().map_err(|e| format!("JWKS client: {e}"))?;
        let refresher = refresh::Refresher {
            keys: Arc::downgrade(self),
            signal: self.signal.clone(),
            url: self.url.clone(),
            algorithm: self.algorithm,
            settings: settings.clone(),
            client,
            metrics,
        };
        tokio::spawn(refresher.run());
        Ok(())
    }
}
