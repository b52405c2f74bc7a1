//! Bounded password hashing. A login costs one PBKDF2 (~0.5 s at Django 6.1's
//! 1,500,000 iterations); unbounded, a login flood would take every core and
//! starve refresh and verify. At most `threads` hashes run at once, at most
//! `queue` more wait; past that the request is refused at once with a 503.

use std::sync::Arc;
use tokio::sync::Semaphore;

/// The hashing queue is full (or the pool is shutting down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("password hashing is saturated")]
pub struct Busy;

#[derive(Debug, Clone)]
pub struct HashPool {
    running: Arc<Semaphore>,
    admitted: Arc<Semaphore>,
}

impl HashPool {
    pub fn new(threads: usize, queue: usize) -> Self {
        let threads = threads.max(1);
        Self {
            running: Arc::new(Semaphore::new(threads)),
            admitted: Arc::new(Semaphore::new(threads + queue)),
        }
    }

    /// Run `job` on a blocking thread once a hashing slot is free.
    pub async fn run<T, F>(&self, job: F) -> Result<T, Busy>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| Busy)?;
        let running = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Busy)?;
        let span = tracing::Span::current();
        // The permits move into the thread: if the client goes away mid-hash the
        // slot stays taken until the hash really ends.
        tokio::task::spawn_blocking(move || {
            let _slots = (admitted, running);
            span.in_scope(job)
        })
        .await
        .map_err(|_| Busy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn refuses_beyond_threads_plus_queue() {
        let pool = HashPool::new(1, 1);
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let rx = Arc::new(std::sync::Mutex::new(rx));
        let block = |rx: Arc<std::sync::Mutex<std::sync::mpsc::Receiver<()>>>| {
            move || {
                let _ = rx.lock().map(|r| r.recv_timeout(Duration::from_secs(5)));
            }
        };
        let first = tokio::spawn({
            let pool = pool.clone();
            let job = block(rx.clone());
            async move { pool.run(job).await }
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
}
