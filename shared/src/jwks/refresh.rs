//! The background task that keeps a [`JwksKeys`] filled: first fetch with backoff, then every
//! `JWKS_REFRESH`, or after a request met an unknown `kid`, never sooner than `JWKS_COOLDOWN`
//! after the previous fetch. An outage is logged once when it starts and once when it ends.

use jsonwebtoken::Algorithm;
use prometheus::{Gauge, IntCounterVec, IntGauge, Opts, Registry};
use reqwest::Client;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::{Instant, sleep_until};

use super::fetch::{FetchError, fetch};
use super::parse::{Refused, parse};
use super::{JwksKeys, Signal};
use crate::settings::JwksSettings;
use crate::tokens::KeySet;

/// The first retry after a failed fetch; each next one waits twice as long, up to the cooldown.
const FIRST_RETRY: Duration = Duration::from_millis(250);

pub(super) struct Refresher {
    pub keys: Weak<JwksKeys>,
    pub signal: Arc<Signal>,
    pub url: String,
    pub algorithm: Algorithm,
    pub settings: JwksSettings,
    pub client: Client,
    pub metrics: Option<Metrics>,
}

type Skipped = Vec<(String, &'static str)>;

/// Why a fetch brought no keys.
enum Failure {
    Fetch(FetchError),
    Refused(Refused),
}

impl Failure {
    fn label(&self) -> &'static str {
        match self {
            Self::Fetch(error) => error.label(),
            Self::Refused(_) => "invalid",
        }
    }

    fn reason(&self) -> String {
        match self {
            Self::Fetch(error) => error.to_string(),
            Self::Refused(refused) => refused.reason().to_owned(),
        }
    }
}

impl Refresher {
    pub async fn run(self) {
        let shown = shown_url(&self.url);
        let mut retry = FIRST_RETRY;
        let mut failing = false;
        let mut kids: Vec<String> = Vec::new();
        loop {
            let Some(keys) = self.keys.upgrade() else {
                return;
            };
            let attempt = Instant::now();
            // This fetch answers every unknown kid seen so far.
            self.signal.wanted.store(false, Ordering::Release);
            let outcome = self.fetch_once().await;
            if let Some(metrics) = &self.metrics {
                let label = outcome.as_ref().map_or_else(Failure::label, |_| "ok");
                metrics.fetches.with_label_values(&[label]).inc();
            }
            let next = match outcome {
                Ok((set, skipped)) => {
                    let new_kids: Vec<String> = set
                        .keys()
                        .iter()
                        .filter_map(|k| k.kid())
                        .map(str::to_owned)
                        .collect();
                    // Logged when the set changes, not at every scheduled fetch.
                    if failing || new_kids != kids {
                        tracing::info!(url = %shown, kids = ?new_kids, "JWKS keys loaded");
                        for (kid, reason) in &skipped {
                            tracing::warn!(kid = %kid, reason, "JWKS key skipped");
                        }
                    }
                    if let Some(metrics) = &self.metrics {
                        metrics.keys.set(new_kids.len() as i64);
                        metrics.last_success.set(unix_now());
                    }
                    keys.replace(set);
                    kids = new_kids;
                    failing = false;
                    retry = FIRST_RETRY;
                    attempt + self.settings.refresh
                }
                Err(failure) => {
                    let held = if keys.is_loaded() {
                        keys.keys().current().len()
                    } else {
                        0
                    };
                    if !failing {
                        if held == 0 {
                            tracing::warn!(url = %shown, reason = %failure.reason(),
                                "JWKS fetch failed; not ready (answering 503) until it succeeds, retrying");
                        } else {
                            tracing::warn!(url = %shown, reason = %failure.reason(), held,
                                "JWKS fetch failed; verifying with the keys fetched before until it succeeds");
                        }
                    } else {
                        tracing::debug!(url = %shown, reason = %failure.reason(), "JWKS fetch failed again");
                    }
                    failing = true;
                    let wait = retry;
                    retry = (retry * 2).min(self.settings.cooldown);
                    attempt + wait
                }
            };
            drop(keys);
            tokio::select! {
                () = sleep_until(next) => {}
                () = self.signal.wake.notified() => {
                    sleep_until(attempt + self.settings.cooldown).await;
                }
            }
        }
    }

    /// The usable keys, and the others with why they were skipped.
    async fn fetch_once(&self) -> Result<(KeySet, Skipped), Failure> {
        let body = fetch(&self.client, &self.url)
            .await
            .map_err(Failure::Fetch)?;
        let parsed = parse(&body, self.algorithm).map_err(Failure::Refused)?;
        Ok((parsed.set, parsed.skipped))
    }
}

/// `tokenpair_jwks_*` in the service's registry.
pub(super) struct Metrics {
    fetches: IntCounterVec,
    keys: IntGauge,
    last_success: Gauge,
}

impl Metrics {
    pub fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let fetches = IntCounterVec::new(
            Opts::new(
                "tokenpair_jwks_fetch_total",
                "JWKS fetches by outcome (ok, unreachable, http_error, too_large, invalid)",
            ),
            &["outcome"],
        )?;
        let keys = IntGauge::new("tokenpair_jwks_keys", "Keys of the JWKS in use")?;
        let last_success = Gauge::new(
            "tokenpair_jwks_last_success_timestamp_seconds",
            "When the JWKS in use was fetched (the keys' age is time() minus this)",
        )?;
        registry.register(Box::new(fetches.clone()))?;
        registry.register(Box::new(keys.clone()))?;
        registry.register(Box::new(last_success.clone()))?;
        Ok(Self {
            fetches,
            keys,
            last_success,
        })
    }
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The URL as logged: scheme, host, port and path (no credentials, no query).
pub(super) fn shown_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(parsed) => {
            let host = parsed.host_str().unwrap_or_default();
            match parsed.port() {
                Some(port) => format!("{}://{host}:{port}{}", parsed.scheme(), parsed.path()),
                None => format!("{}://{host}{}", parsed.scheme(), parsed.path()),
            }
        }
        Err(_) => "(unparsable JWK_URL)".to_owned(),
    }
}
