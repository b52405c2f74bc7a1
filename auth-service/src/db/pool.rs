//! The connection pool, its health and prober, and the runner that keeps every
//! query off the actix worker threads.

use diesel::r2d2::{Pool, R2D2Connection};
use std::sync::{Arc, RwLock, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::error::{ConnectError, DbError};
use super::health::{Health, PROBE_INTERVAL};
use super::wait::{DbWait, connect_waiting};
use super::{DatabaseTarget, DbConnection, migrations, pgbouncer};
use crate::settings::PoolMode;

pub type DbPool = Pool<Manager>;

/// The pool's connection manager: connects through [`DatabaseTarget::open`] so
/// failures carry the database's real error, and reports them to [`Health`].
#[derive(Debug)]
pub struct Manager {
    target: DatabaseTarget,
    statement_timeout: Duration,
    health: Arc<Health>,
}

impl Manager {
    /// A connection attempt whatever the health says (the prober's).
    fn establish(&self) -> Result<DbConnection, ConnectError> {
        self.target.open(Some(self.statement_timeout))
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = ConnectError;

    fn connect(&self) -> Result<DbConnection, ConnectError> {
        // While down, only the prober goes to the network: r2d2's own retries
        // would otherwise add a connection attempt (and a log line) each.
        if self.health.is_down() {
            return Err(ConnectError("database down; waiting for the prober".into()));
        }
        let started = Instant::now();
        self.establish()
            .inspect_err(|e| self.health.connect_failed(started, &e.0))
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), ConnectError> {
        conn.ping().map_err(ConnectError::from)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        std::thread::panicking() || conn.is_broken()
    }
}

/// The pool's shape, from the TOKENPAIR settings.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    pub size: u32,
    /// Longest wait for a pooled connection (DB_POOL_TIMEOUT).
    pub checkout_timeout: Duration,
    /// Longest a statement may run or wait for a lock (DB_STATEMENT_TIMEOUT).
    pub statement_timeout: Duration,
}

impl PoolSettings {
    pub fn from_settings(database: &crate::settings::DatabaseSettings) -> Self {
        Self {
            size: database.pool_size,
            checkout_timeout: database.pool_timeout,
            statement_timeout: database.statement_timeout,
        }
    }
}

/// How often a request waiting for a pooled connection looks whether the
/// database has meanwhile been found down (then it answers 503 at once).
const DOWN_CHECK: Duration = Duration::from_millis(50);

/// Runs diesel work on the blocking pool with a pooled connection, and answers
/// at once while the database is known to be down.
#[derive(Clone)]
pub struct Db {
    shared: Arc<Shared>,
}

struct Shared {
    /// Replaced when an outage ends: the old pool's r2d2 retries back off up to
    /// half the checkout timeout, a fresh pool connects at once.
    pool: RwLock<DbPool>,
    /// One permit per pooled connection, handed out first come, first served. r2d2's
    /// waiters are not served in order (a thread arriving just as a connection comes back
    /// takes it before the one woken for it), so with more requests than connections
    /// some waited again and again: refresh's p99 grew to 0.5 s within 20 s of load
    /// (16 connections, a pool of 10) where a pool of 16 kept it at 10-13 ms. The queue
    /// is also why only as many blocking threads as connections wait on the pool.
    slots: Arc<Semaphore>,
    health: Arc<Health>,
    target: DatabaseTarget,
    settings: PoolSettings,
}

impl Shared {
    fn pool(&self) -> DbPool {
        self.pool.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn manager(&self) -> Manager {
        Manager {
            target: self.target.clone(),
            statement_timeout: self.settings.statement_timeout,
            health: self.health.clone(),
        }
    }

    fn builder(settings: &PoolSettings) -> r2d2::Builder<Manager> {
        Pool::builder()
            .max_size(settings.size)
            .min_idle(Some(1))
            .connection_timeout(settings.checkout_timeout)
            // `checkout` pings only connections idle for a while: under load a ping per
            // query would be a round trip (and a PostgreSQL statement) per query
            .test_on_check_out(false)
            // The manager reports failures to `health`, which logs once per outage;
            // r2d2's default handler would log every retry.
            .error_handler(Box::new(r2d2::NopErrorHandler))
    }
}

impl Db {
    /// The pool and its prober. One connection is opened first, directly, so that a
    /// wrong URL or an unmigrated database fails at start-up with the database's
    /// own explanation, not at the first login. That first connection waits for a
    /// database still starting (`wait`).
    pub fn open(
        target: &DatabaseTarget,
        settings: PoolSettings,
        wait: &DbWait,
    ) -> Result<Self, DbError> {
        let mut first = connect_waiting(target, wait)?;
        migrations::require_current(&mut first).map_err(DbError::Unavailable)?;
        if target.pool_mode == PoolMode::Transaction {
            pgbouncer::require_bounded(&mut first).map_err(DbError::Unavailable)?;
        }
        drop(first);
        let health = Arc::new(Health::default());
        let target = target.with_client_timeouts();
        let manager = Manager {
            target: target.clone(),
            statement_timeout: settings.statement_timeout,
            health: health.clone(),
        };
        let pool = Shared::builder(&settings)
            .build(manager)
            .map_err(|e| DbError::Unavailable(e.to_string()))?;
        let shared = Shared {
            pool: RwLock::new(pool),
            slots: Arc::new(Semaphore::new(settings.size as usize)),
            health: health.clone(),
            target,
            settings,
        };
        let shared = Arc::new(shared);
        let weak = Arc::downgrade(&shared);
        std::thread::Builder::new()
            .name("db-prober".into())
            .spawn(move || probe_while_down(&weak, &health))
            .map_err(|e| DbError::Unavailable(format!("cannot start the prober: {e}")))?;
        Ok(Self { shared })
    }

    pub async fn run<T, F>(&self, work: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        let timeout = self.shared.settings.checkout_timeout;
        let deadline = Instant::now() + timeout;
        let slot = self.slot(deadline).await?;
        let pool = self.shared.pool();
        let health = self.shared.health.clone();
        let shared = self.shared.clone();
        let span = tracing::Span::current();
        actix_web::web::block(move || {
            let _entered = span.enter();
            // dropped after `conn` (declared before it): the connection is back in the
            // pool when the next in line is let in
            let _slot = slot;
            let left = deadline.saturating_duration_since(Instant::now());
            let mut conn = checkout(&pool, &health, left, timeout, || {
                r2d2::ManageConnection::connect(&shared.manager())
            })?;
            let done = work(&mut conn);
            let extensions = r2d2::PooledConnection::extensions_mut(&mut conn);
            if done.is_ok() {
                extensions.insert(LastUsed(Instant::now()));
            } else {
                // the error may be the connection's: ping it before its next use
                extensions.remove::<LastUsed>();
            }
            done
        })
        .await
        .map_err(|e| DbError::Unavailable(format!("blocking pool: {e}")))?
    }
}

impl Db {
    /// This request's turn at the pool, in arrival order, by `deadline`; 503 as soon as
    /// the database is found down meanwhile.
    async fn slot(&self, deadline: Instant) -> Result<OwnedSemaphorePermit, DbError> {
        let timeout = self.shared.settings.checkout_timeout;
        let acquire = self.shared.slots.clone().acquire_owned();
        // polled again after each look at the health: it keeps its place in the queue
        tokio::pin!(acquire);
        loop {
            if self.shared.health.is_down() {
                return Err(DbError::Down);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left.min(DOWN_CHECK), &mut acquire).await {
                Ok(Ok(permit)) => return Ok(permit),
                Ok(Err(closed)) => return Err(DbError::Unavailable(closed.to_string())),
                Err(_) if left <= DOWN_CHECK => return Err(no_connection(timeout, "queued")),
                Err(_) => {}
            }
        }
    }
}

fn no_connection(timeout: Duration, why: impl std::fmt::Display) -> DbError {
    DbError::Unavailable(format!(
        "no pooled connection within DB_POOL_TIMEOUT ({timeout:?}): {why}"
    ))
}

/// A connection that answered this recently is handed out without a ping: a server
/// gone since then fails the query itself (diesel then marks the connection broken,
/// and the pool drops it), as it would fail a query right after a ping.
const TRUSTED_FOR: Duration = Duration::from_secs(1);

/// When a pooled connection last ran work (its r2d2 extension).
struct LastUsed(Instant);

/// A pooled connection within `timeout`, or 503 as soon as the database is found
/// down. One idle for [`TRUSTED_FOR`] or more is pinged first (r2d2's
/// `test_on_check_out`, for idle connections only); one that fails is dropped.
fn checkout(
    pool: &DbPool,
    health: &Health,
    left: Duration,
    timeout: Duration,
    reconnect: impl Fn() -> Result<DbConnection, ConnectError>,
) -> Result<r2d2::PooledConnection<Manager>, DbError> {
    let deadline = Instant::now() + left;
    loop {
        if health.is_down() {
            return Err(DbError::Down);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        match pool.get_timeout(left.min(DOWN_CHECK)) {
            Ok(mut conn) => {
                let recent = r2d2::PooledConnection::extensions(&conn)
                    .get::<LastUsed>()
                    .is_some_and(|used| used.0.elapsed() < TRUSTED_FOR);
                if recent || conn.ping().is_ok() {
                    return Ok(conn);
                }
                // gone (a server restart): a fresh connection in its place, as r2d2's
                // own check would have opened
                *conn = reconnect().map_err(|e| {
                    DbError::Unavailable(format!("reconnecting a dropped connection: {}", e.0))
                })?;
                return Ok(conn);
            }
            Err(e) if left <= DOWN_CHECK => return Err(no_connection(timeout, e)),
            Err(_) => {}
        }
    }
}

/// The prober thread: asleep while the database is up; while it is down, a fresh
/// connection attempt every [`PROBE_INTERVAL`]. It ends with its [`Db`].
fn probe_while_down(shared: &Weak<Shared>, health: &Health) {
    loop {
        if !health.wait_until_down(Duration::from_secs(1)) {
            if shared.strong_count() == 0 {
                return;
            }
            continue;
        }
        let Some(db) = shared.upgrade() else {
            return;
        };
        let started = Instant::now();
        match db.manager().establish() {
            Ok(conn) => {
                drop(conn);
                let fresh = Shared::builder(&db.settings).build_unchecked(db.manager());
                *db.pool.write().unwrap_or_else(|e| e.into_inner()) = fresh;
                health.recovered();
            }
            Err(e) => {
                health.connect_failed(started, &e.0);
                drop(db);
                std::thread::sleep(PROBE_INTERVAL.saturating_sub(started.elapsed()));
            }
        }
    }
}
