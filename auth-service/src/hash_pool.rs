//! Bounded password hashing. A login costs one PBKDF2 (~0.2–0.5 s at Django
//! 6.1's 1,500,000 iterations); unbounded, a login flood would take every core
//! and starve refresh and verify. Hashes run on `threads` dedicated threads at
//! the lowest CPU priority (nice 19), so under contention the scheduler serves the
//! cheap requests first and logins use what is left; at most `queue` more wait;
//! past that the request is refused at once with a 503.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

/// The hashing queue is full (or the pool is shutting down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("password hashing is saturated")]
pub struct Busy;

type Job = Box<dyn FnOnce() + Send + 'static>;

#[derive(Debug, Clone)]
pub struct HashPool {
    jobs: SyncSender<Job>,
}

impl HashPool {
    /// Starts the threads; they end when the last clone of the pool is dropped.
    pub fn new(threads: usize, queue: usize) -> Self {
        // A job is handed over only to a thread waiting in `recv` or into one of
        // `queue` free places: a full pool refuses instead of piling up.
        let (jobs, inbox) = sync_channel::<Job>(queue);
        let inbox = Arc::new(Mutex::new(inbox));
        for n in 0..threads.max(1) {
            let inbox = inbox.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("hash-{n}"))
                .spawn(move || work(&inbox));
            if let Err(e) = spawned {
                tracing::error!(error = %e, "cannot start a hashing thread");
            }
        }
        Self { jobs }
    }

    /// Run `job` on a hashing thread; `Busy` at once when none is free and the
    /// queue is full.
    pub async fn run<T, F>(&self, job: F) -> Result<T, Busy>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (done, result) = tokio::sync::oneshot::channel();
        let span = tracing::Span::current();
        // If the client goes away, the hash still completes and keeps its thread
        // until then: the accounting stays true.
        let job: Job = Box::new(move || {
            let _ = done.send(span.in_scope(job));
        });
        self.jobs.try_send(job).map_err(|_| Busy)?;
        result.await.map_err(|_| Busy)
    }
}

fn work(inbox: &Mutex<Receiver<Job>>) {
    lower_priority();
    loop {
        let job = match inbox.lock() {
            Ok(inbox) => inbox.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        // A panicking job (a bug) must not take the thread with it; its caller
        // sees the dropped result as Busy.
        if catch_unwind(AssertUnwindSafe(job)).is_err() {
            tracing::error!("a hashing job panicked");
        }
    }
}

/// Nice 19 for this thread only (Linux's nice value is per thread). Lowering
/// needs no privilege; failure just leaves the default priority.
#[cfg(target_os = "linux")]
fn lower_priority() {
    // SAFETY: plain syscalls on the calling thread, no memory involved.
    let tid = unsafe { libc::gettid() };
    let _ = unsafe { libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 19) };
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn refuses_beyond_threads_plus_queue() {
        let pool = HashPool::new(1, 1);
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let first = tokio::spawn({
            let pool = pool.clone();
            async move {
                pool.run(move || {
                    let _ = rx.recv_timeout(Duration::from_secs(5));
                })
                .await
            }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        let second = tokio::spawn({
            let pool = pool.clone();
            async move { pool.run(|| 2).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(pool.run(|| 3).await, Err(Busy));
        tx.send(()).unwrap();
        assert_eq!(first.await.unwrap(), Ok(()));
        assert_eq!(second.await.unwrap(), Ok(2));
        assert_eq!(pool.run(|| 4).await, Ok(4));
    }

    #[tokio::test]
    async fn a_panicking_job_keeps_the_thread() {
        let pool = HashPool::new(1, 0);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(pool.run(|| -> u8 { panic!("bug") }).await, Err(Busy));
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(pool.run(|| 5).await, Ok(5));
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashing_threads_run_at_lower_priority() {
        let pool = HashPool::new(1, 0);
        // with no queue, a job is taken only by a thread already waiting
        tokio::time::sleep(Duration::from_millis(50)).await;
        let nice = pool
            .run(|| unsafe { libc::getpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t) })
            .await
            .unwrap();
        assert_eq!(nice, 19);
    }
}
