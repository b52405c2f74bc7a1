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
//! The fetched set lives in the same [`Keys`] handle configured keys do (`tokens::key_set`):
//! requests read it with one read lock and an `Arc` clone; a fetch swaps a new set in.

mod fetch;
mod parse;
mod refresh;

use jsonwebtoken::Algorithm;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub use fetch::{DEADLINE, MAX_BODY_BYTES};
pub use parse::{MAX_KEYS, Parsed, Refused, parse};

use crate::settings::JwksSettings;
use crate::settings::JwtSettings;
use crate::tokens::{KeySet, KeySource, Keys, TokenBackend};

/// The keys of one `JWK_URL`: the [`Keys`] handle the codec verifies with (empty until the
/// first fetch succeeds), and the refresher's inputs.
pub struct JwksKeys {
    url: String,
    algorithm: Algorithm,
    keys: Arc<Keys>,
    loaded: AtomicBool,
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
            keys: Arc::new(Keys::new(KeySet::default())),
            loaded: AtomicBool::new(false),
            signal: Arc::new(Signal {
                wanted: AtomicBool::new(false),
                wake: tokio::sync::Notify::new(),
            }),
            started: AtomicBool::new(false),
        }
    }

    /// The handle the codec reads (`Codec::with_keys`).
    pub fn keys(&self) -> &Arc<Keys> {
        &self.keys
    }

    /// Whether a fetch has succeeded: until then the service is not ready.
    pub fn is_loaded(&self) -> bool {
        self.loaded.load(Ordering::Acquire)
    }

    /// The verifier of `jwt`'s token rules with these keys (empty until the first fetch).
    pub fn backend(self: &Arc<Self>, jwt: JwtSettings) -> TokenBackend {
        let source: Arc<dyn KeySource> = self.clone();
        TokenBackend::with_keys(jwt, self.keys.clone(), Some(source))
    }

    fn replace(&self, set: KeySet) {
        self.keys.replace(set);
        self.loaded.store(true, Ordering::Release);
    }

    /// Starts the refresher on the current tokio runtime (once; later calls do nothing). It
    /// stops by itself once every holder of these keys is gone. `registry`: where its metrics
    /// go (`tokenpair_jwks_*`).
    pub fn start(
        self: &Arc<Self>,
        settings: &JwksSettings,
        registry: Option<&prometheus::Registry>,
    ) -> Result<(), String> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|_| "JWK_URL: start the key fetcher from inside a tokio runtime".to_owned())?;
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
        runtime.spawn(refresher.run());
        Ok(())
    }
}

impl KeySource for JwksKeys {
    /// Asks for a fetch. Cheap (one atomic swap), and however many requests ask, the
    /// refresher fetches at most once per cooldown.
    fn unknown_kid(&self) {
        if !self.signal.wanted.swap(true, Ordering::AcqRel) {
            self.signal.wake.notify_one();
        }
    }
}
