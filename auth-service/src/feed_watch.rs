//! What wakes the revocation feed's long-polls (`routes/revocations.rs`): the newest event id,
//! watched by one task per replica. It looks at the database every [`POLL_EVERY`] while
//! anyone waits (one query per replica, not per waiting reader), and at once when this
//! replica has just committed a revocation ([`FeedWatch::poke`]). Every [`PRUNE_EVERY`] it
//! also deletes events that can no longer matter.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, Semaphore, watch};

use crate::db::{Db, revocation_events};

/// How often a replica looks for events other replicas committed, while readers wait.
pub const POLL_EVERY: Duration = Duration::from_millis(150);
const PRUNE_EVERY: Duration = Duration::from_secs(60);
/// Most readers held waiting at once per replica; more are answered at once (their client
/// pauses before asking again), so waiting connections stay bounded.
pub const MAX_WAITERS: usize = 1024;

pub struct FeedWatch {
    latest: watch::Sender<i64>,
    poke: Notify,
    pub waiters: Semaphore,
}

impl FeedWatch {
    /// The watch and its task (call inside the server's runtime); `keep`: seconds a per-user
    /// event matters (`shared::revocation::keep_secs`).
    pub fn start(db: Db, keep: i64) -> Arc<Self> {
        let watch = Arc::new(Self {
            latest: watch::Sender::new(0),
            poke: Notify::new(),
            waiters: Semaphore::new(MAX_WAITERS),
        });
        tokio::spawn(follow(Arc::downgrade(&watch), db, keep));
        watch
    }

    /// A revocation was committed here: look now rather than at the next poll.
    pub fn poke(&self) {
        self.poke.notify_one();
    }

    /// Wait (up to `limit`) until an event newer than `cursor` is known.
    pub async fn wait_past(&self, cursor: i64, limit: Duration) {
        let mut latest = self.latest.subscribe();
        // poke so that a reader's first wait starts with a fresh look
        self.poke();
        let _ = tokio::time::timeout(limit, latest.wait_for(|id| *id > cursor)).await;
    }
}

async fn follow(watch: Weak<FeedWatch>, db: Db, keep: i64) {
    let mut last_prune: Option<Instant> = None;
    loop {
        let Some(feed) = watch.upgrade() else {
            return;
        };
        let poked = tokio::select! {
            () = feed.poke.notified() => true,
            () = tokio::time::sleep(POLL_EVERY) => false,
        };
        if poked || feed.latest.receiver_count() > 0 {
            // a database outage is answered by the readers' own queries; here it only
            // delays the wake-up to the next look
            if let Ok(id) = db.run(|conn| Ok(revocation_events::latest_id(conn)?)).await {
                feed.latest.send_if_modified(|latest| {
                    let newer = id > *latest;
                    if newer {
                        *latest = id;
                    }
                    newer
                });
            }
        }
        if last_prune.is_none_or(|at| at.elapsed() >= PRUNE_EVERY) {
            last_prune = Some(Instant::now());
            let now = shared::tokens::now() as i64;
            match db
                .run(move |conn| Ok(revocation_events::prune(conn, now, keep)?))
                .await
            {
                Ok(0) | Err(_) => {}
                Ok(pruned) => tracing::debug!(pruned, "revocation feed events pruned"),
            }
        }
    }
}
