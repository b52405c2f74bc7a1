//! A JWKS endpoint a test controls: what it serves (status and body), how many requests it
//! has answered, and whether it listens at all (stopped: the port refuses connections, as an
//! auth service that is down). One response per connection (`Connection: close`), so every
//! fetch is one counted request.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// The longest request head read; a fetcher's GET is far shorter.
const MAX_HEAD: usize = 8192;

#[derive(Default)]
struct Shared {
    hits: AtomicUsize,
    answer: Mutex<(u16, Vec<u8>)>,
}

pub struct JwksServer {
    address: SocketAddr,
    shared: Arc<Shared>,
    task: Option<JoinHandle<()>>,
}

impl JwksServer {
    /// Listening on a loopback port, answering 200 with `body`.
    pub async fn start(body: &str) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let address = listener.local_addr().expect("address");
        let mut server = Self::on(address, body);
        server.task = Some(tokio::spawn(serve(listener, server.shared.clone())));
        server
    }

    /// Not listening yet on a port reserved for it (bound and released: nothing listens
    /// there until [`JwksServer::resume`]).
    pub fn stopped(body: &str) -> Self {
        let address = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port");
        Self::on(address, body)
    }

    fn on(address: SocketAddr, body: &str) -> Self {
        let shared = Arc::new(Shared::default());
        *shared.answer.lock().unwrap() = (200, body.as_bytes().to_vec());
        Self {
            address,
            shared,
            task: None,
        }
    }

    /// `http://127.0.0.1:PORT/.well-known/jwks.json`
    pub fn url(&self) -> String {
        format!("http://{}/.well-known/jwks.json", self.address)
    }

    /// Requests answered so far.
    pub fn hits(&self) -> usize {
        self.shared.hits.load(Ordering::SeqCst)
    }

    /// What the next requests get.
    pub fn serve(&self, status: u16, body: impl Into<Vec<u8>>) {
        *self.shared.answer.lock().unwrap() = (status, body.into());
    }

    /// Stop listening: connections are refused from now on.
    pub fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    /// Listen again on the same port.
    pub async fn resume(&mut self) {
        if self.task.is_none() {
            let listener = TcpListener::bind(self.address).await.expect("rebind");
            self.task = Some(tokio::spawn(serve(listener, self.shared.clone())));
        }
    }

    /// Waits (up to `within`) until it has answered at least `n` requests.
    pub async fn wait_for_hits(&self, n: usize, within: std::time::Duration) -> usize {
        let deadline = tokio::time::Instant::now() + within;
        while self.hits() < n && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        self.hits()
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    while let Ok((mut stream, _)) = listener.accept().await {
        let shared = shared.clone();
        tokio::spawn(async move {
            let mut head = Vec::new();
            let mut buf = [0u8; 1024];
            while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => head.extend_from_slice(&buf[..n]),
                }
            }
            let (status, body) = shared.answer.lock().unwrap().clone();
            shared.hits.fetch_add(1, Ordering::SeqCst);
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&body).await;
            let _ = stream.shutdown().await;
        });
    }
}
