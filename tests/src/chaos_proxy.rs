//! A TCP proxy in front of the test PostgreSQL that a test can cut and restore,
//! to play a database outage without stopping the server other tests share
//! (the idea of crates.io's `src/tests/util/chaosproxy.rs`).
//!
//! Cut: every proxied connection is dropped and new ones are closed as soon as
//! they are accepted, so clients see their connections die and new attempts
//! fail at once, as when PostgreSQL is stopped. Restore: connections pass again.

use std::net::SocketAddr;
use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch};

pub struct ChaosProxy {
    address: SocketAddr,
    /// `true` while cut.
    cut: watch::Sender<bool>,
    /// Dropping it ends the proxy's runtime.
    _stop: oneshot::Sender<()>,
}

impl ChaosProxy {
    /// A proxy on a loopback port forwarding to `upstream`. It runs on its own
    /// thread and runtime: the code under test connects with blocking calls
    /// (libpq), which must not be able to starve the proxy it waits on.
    pub fn start(upstream: SocketAddr) -> std::io::Result<Self> {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        std_listener.set_nonblocking(true)?;
        let address = std_listener.local_addr()?;
        let (cut, watcher) = watch::channel(false);
        let (stop, stopped) = oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name("chaos-proxy".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let Ok(listener) = TcpListener::from_std(std_listener) else {
                        return;
                    };
                    tokio::select! {
                        () = accept(listener, upstream, watcher) => {}
                        _ = stopped => {}
                    }
                });
            })?;
        Ok(Self {
            address,
            cut,
            _stop: stop,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Drop every connection and refuse new ones until [`ChaosProxy::restore`].
    pub fn cut(&self) {
        self.cut.send_replace(true);
    }

    pub fn restore(&self) {
        self.cut.send_replace(false);
    }

    /// `url` (postgres://user@host:port/db?...) with its host and port replaced
    /// by the proxy's.
    pub fn url_through(&self, url: &str) -> String {
        let (scheme, rest) = url.split_once("://").expect("a URL");
        let (credentials, location) = match rest.rsplit_once('@') {
            Some((credentials, location)) => (format!("{credentials}@"), location),
            None => (String::new(), rest),
        };
        let path = location.find('/').map_or("", |i| &location[i..]);
        format!("{scheme}://{credentials}{}{path}", self.address)
    }
}

impl Drop for ChaosProxy {
    fn drop(&mut self) {
        // the forwarding tasks end with their connections; `_stop` ends the runtime
        self.cut.send_replace(true);
    }
}

async fn accept(listener: TcpListener, upstream: SocketAddr, watcher: watch::Receiver<bool>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        if *watcher.borrow() {
            drop(client);
            continue;
        }
        tokio::spawn(forward(client, upstream, watcher.clone()));
    }
}

/// The host:port of a postgres:// URL, resolved.
pub fn upstream_of(url: &str) -> SocketAddr {
    use std::net::ToSocketAddrs;
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let location = rest.rsplit_once('@').map_or(rest, |(_, location)| location);
    let host_port = location.split(['/', '?']).next().unwrap_or(location);
    let host_port = if host_port.contains(':') {
        host_port.to_owned()
    } else {
        format!("{host_port}:5432")
    };
    host_port
        .to_socket_addrs()
        .ok()
        .and_then(|mut addrs| addrs.next())
        .unwrap_or_else(|| panic!("cannot resolve {host_port}"))
}

async fn forward(mut client: TcpStream, upstream: SocketAddr, mut cut: watch::Receiver<bool>) {
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return;
    };
    tokio::select! {
        _ = copy_bidirectional(&mut client, &mut server) => {}
        _ = cut.wait_for(|cut| *cut) => {}
    }
    // dropping both sockets closes them: the client sees its connection die
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_the_address_only() {
        let proxy = ChaosProxy::start("127.0.0.1:9".parse().unwrap()).unwrap();
        let port = proxy.address().port();
        assert_eq!(
            proxy.url_through("postgres://postgres@127.0.0.1:5432/tp_test_x"),
            format!("postgres://postgres@127.0.0.1:{port}/tp_test_x")
        );
        assert_eq!(
            proxy.url_through("postgres://u:p@w@db:5432/x?sslmode=disable"),
            format!("postgres://u:p@w@127.0.0.1:{port}/x?sslmode=disable")
        );
        assert_eq!(
            upstream_of("postgres://postgres@127.0.0.1:5433/x"),
            "127.0.0.1:5433".parse().unwrap()
        );
    }
}
