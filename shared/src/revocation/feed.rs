//! The resource side of the feed: a background task that loads the snapshot (`after=0`, page
//! after page until `more` is false: then the service is ready) and then long-polls for what
//! follows. While the feed cannot be reached it keeps its last state, logs once per outage,
//! shows `tokenpair_revocation_feed_up 0` and retries with a capped backoff.

use prometheus::{Gauge, IntCounter, IntGauge, Registry};
use reqwest::header::AUTHORIZATION;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use super::Revocations;
use super::wire::Page;
use crate::settings::{FeedSettings, Secret};

/// How long the feed holds a poll when nothing happens; the client's own timeout is longer.
const POLL_WAIT: Duration = Duration::from_secs(20);
/// Longest the client waits for an answer beyond `wait`.
const ANSWER_MARGIN: Duration = Duration::from_secs(10);
/// Retry delays while the feed is unreachable: doubled from the first to the last.
const RETRY_FIRST: Duration = Duration::from_millis(200);
const RETRY_MAX: Duration = Duration::from_secs(5);
/// An empty answer that came back sooner than this (a feed over its waiter limit answers at
/// once) is followed by this pause, so the loop never spins.
const QUICK_EMPTY: Duration = Duration::from_millis(250);
/// Largest answer read (a page of `PAGE_SIZE` events is ~100 KB at most).
const MAX_ANSWER_BYTES: usize = 4 << 20;

/// The feed's metrics, registered in the service's registry.
#[derive(Clone)]
struct FeedMetrics {
    up: IntGauge,
    lag: Gauge,
    applied: IntCounter,
}

impl FeedMetrics {
    fn register(registry: &Registry) -> Result<Self, prometheus::Error> {
        let up = IntGauge::new(
            "tokenpair_revocation_feed_up",
            "1 while the revocation feed answers, 0 while it cannot be reached",
        )?;
        let lag = Gauge::new(
            "tokenpair_revocation_feed_lag_seconds",
            "Seconds since the revocation feed last answered (0 while it answers)",
        )?;
        let applied = IntCounter::new(
            "tokenpair_revocation_events_applied_total",
            "Revocation events applied from the feed",
        )?;
        registry.register(Box::new(up.clone()))?;
        registry.register(Box::new(lag.clone()))?;
        registry.register(Box::new(applied.clone()))?;
        Ok(Self { up, lag, applied })
    }
}

/// The feed settings a resource service can run with (`check` and start-up).
pub fn check(settings: &FeedSettings) -> Result<(), String> {
    if settings.url.is_some() && settings.secret.is_none() {
        return Err(
            "TOKENPAIR.REVOCATION_URL needs TOKENPAIR.REVOCATION_SECRET (the feed's bearer secret)"
                .into(),
        );
    }
    Ok(())
}

/// Start following the feed `settings` names (a no-op returning `None` without
/// `REVOCATION_URL`). Call inside the service's runtime. The task ends once every holder of
/// the returned [`Revocations`] has dropped it (the server stopped).
pub fn start(
    settings: &FeedSettings,
    registry: &Registry,
) -> Result<Option<Arc<Revocations>>, String> {
    check(settings)?;
    let (Some(url), Some(secret)) = (settings.url.clone(), settings.secret.clone()) else {
        return Ok(None);
    };
    let metrics = FeedMetrics::register(registry).map_err(|e| e.to_string())?;
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(2))
        .build()
        .map_err(|e| format!("revocation feed client: {e}"))?;
    let revocations = Arc::new(Revocations::new());
    let follower = Follower {
        client,
        url,
        secret,
        metrics,
        revocations: Arc::downgrade(&revocations),
    };
    tokio::spawn(follower.run());
    Ok(Some(revocations))
}

struct Follower {
    client: reqwest::Client,
    url: String,
    secret: Secret,
    metrics: FeedMetrics,
    revocations: Weak<Revocations>,
}

impl Follower {
    async fn run(self) {
        let mut cursor = 0i64;
        let mut retry = RETRY_FIRST;
        let mut last_answer = Instant::now();
        let mut down = false;
        loop {
            let Some(revocations) = self.revocations.upgrade() else {
                return;
            };
            // No waiting until the snapshot is in: its pages come as fast as they can.
            let wait = if revocations.is_loaded() {
                POLL_WAIT
            } else {
                Duration::ZERO
            };
            drop(revocations);
            let asked = Instant::now();
            match self.fetch(cursor, wait).await {
                Ok(page) => {
                    let Some(revocations) = self.revocations.upgrade() else {
                        return;
                    };
                    let applied = revocations.apply(&page, crate::tokens::now() as i64);
                    self.metrics.applied.inc_by(applied as u64);
                    cursor = page.cursor;
                    if !page.more && !revocations.is_loaded() {
                        revocations.mark_loaded();
                        let (users, tokens) = revocations.len();
                        tracing::info!(users, tokens, cursor, "revocation snapshot loaded");
                    }
                    if down {
                        tracing::info!(
                            down_s = last_answer.elapsed().as_secs(),
                            "revocation feed reachable again"
                        );
                        down = false;
                    }
                    last_answer = Instant::now();
                    retry = RETRY_FIRST;
                    self.metrics.up.set(1);
                    self.metrics.lag.set(0.0);
                    if page.events.is_empty() && !page.more && asked.elapsed() < QUICK_EMPTY {
                        tokio::time::sleep(QUICK_EMPTY).await;
                    }
                }
                Err(error) => {
                    if !down {
                        // once per outage; the secret is never part of `error`
                        tracing::warn!(url = %self.url, %error, "revocation feed unreachable: keeping the last revocations");
                        down = true;
                    }
                    self.metrics.up.set(0);
                    self.metrics.lag.set(last_answer.elapsed().as_secs_f64());
                    tokio::time::sleep(retry).await;
                    retry = (retry * 2).min(RETRY_MAX);
                }
            }
        }
    }

    async fn fetch(&self, after: i64, wait: Duration) -> Result<Page, String> {
        let response = self
            .client
            .get(&self.url)
            .query(&[("after", after), ("wait", wait.as_secs() as i64)])
            .header(AUTHORIZATION, format!("Bearer {}", self.secret.expose()))
            .timeout(wait + ANSWER_MARGIN)
            .send()
            .await
            .map_err(|e| e.without_url().to_string())?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("answered {status}"));
        }
        if response
            .content_length()
            .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
        {
            return Err("answer too large".into());
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| e.without_url().to_string())?;
        if body.len() > MAX_ANSWER_BYTES {
            return Err("answer too large".into());
        }
        serde_json::from_slice(&body).map_err(|e| format!("not a feed page: {e}"))
    }
}
