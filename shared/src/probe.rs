//! The `healthcheck` verb of both binaries: one HTTP/1.1 GET over a plain
//! `TcpStream`, so the runtime image needs no curl (issue 12). Only what a
//! container probe needs: `http://HOST[:PORT][/PATH]`, the status line, bounded waits.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Longest wait to connect, and for each read or write: a probe that hangs is a
/// failed probe (compose's own `timeout` is 3 s too).
pub const TIMEOUT: Duration = Duration::from_secs(3);

/// `GET url`: `Ok` on a 2xx answer, else the one-line reason.
pub fn healthcheck(url: &str) -> Result<(), String> {
    let status = get_status(url, TIMEOUT).map_err(|e| format!("healthcheck {url}: {e}"))?;
    if (200..300).contains(&status.code) {
        return Ok(());
    }
    Err(format!("healthcheck {url}: {}", status.line))
}

/// The answer's status line and code.
#[derive(Debug, PartialEq, Eq)]
pub struct Status {
    pub code: u16,
    pub line: String,
}

/// The parts of an `http://` URL a GET needs.
#[derive(Debug, PartialEq, Eq)]
struct Target<'a> {
    /// `host:port` as written (the Host header), with the default port added.
    authority: String,
    path: &'a str,
}

fn parse(url: &str) -> Result<Target<'_>, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("only http:// URLs are supported")?;
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('/') => (&rest[..i], &rest[i..]),
        Some(_) => return Err("expected a path after the host".into()),
        None => (rest, "/"),
    };
    if authority.is_empty() || authority.contains('@') {
        return Err("expected http://HOST[:PORT]/PATH".into());
    }
    // `[::1]:8000`, `host:8000`, `host` (port 80)
    let has_port = match authority.rfind(']') {
        Some(bracket) => authority[bracket..].contains(':'),
        None => authority.contains(':'),
    };
    let authority = if has_port {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    if path.chars().any(|c| c.is_ascii_control() || c == ' ') {
        return Err("the path holds spaces or control characters".into());
    }
    Ok(Target { authority, path })
}

/// One GET with every wait bounded by `timeout`; the status line of the answer.
pub fn get_status(url: &str, timeout: Duration) -> Result<Status, String> {
    let target = parse(url)?;
    let addresses: Vec<SocketAddr> = target
        .authority
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {}: {e}", target.authority))?
        .collect();
    let mut last = format!("{} resolves to no address", target.authority);
    for address in addresses {
        match TcpStream::connect_timeout(&address, timeout) {
            Ok(stream) => return exchange(stream, &target, timeout),
            Err(e) => last = format!("cannot connect to {address}: {e}"),
        }
    }
    Err(last)
}

fn exchange(stream: TcpStream, target: &Target<'_>, timeout: Duration) -> Result<Status, String> {
    let io = |e: std::io::Error| format!("{}: {e}", target.authority);
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: tokenpair-healthcheck\r\nAccept: application/json\r\nConnection: close\r\n\r\n",
        target.path, target.authority
    );
    (&stream).write_all(request.as_bytes()).map_err(io)?;
    // The status line only, read at most 1 KiB of it: the body is not needed.
    let mut line = Vec::new();
    BufReader::new((&stream).take(1024))
        .read_until(b'\n', &mut line)
        .map_err(io)?;
    parse_status(&String::from_utf8_lossy(&line))
}

fn parse_status(line: &str) -> Result<Status, String> {
    let line = line.trim_end();
    let mut parts = line.splitn(3, ' ');
    let (version, code) = (parts.next(), parts.next());
    match (version, code.and_then(|c| c.parse::<u16>().ok())) {
        (Some(v), Some(code)) if v.starts_with("HTTP/") && (100..600).contains(&code) => {
            Ok(Status {
                code,
                line: line.to_owned(),
            })
        }
        _ if line.is_empty() => Err("the server closed the connection without answering".into()),
        _ => Err(format!("not an HTTP status line: {:?}", truncate(line))),
    }
}

fn truncate(line: &str) -> &str {
    line.char_indices()
        .nth(80)
        .map_or(line, |(i, _)| &line[..i])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn urls() {
        let t = parse("http://127.0.0.1:8000/readyz").unwrap();
        assert_eq!(
            (t.authority.as_str(), t.path),
            ("127.0.0.1:8000", "/readyz")
        );
        let t = parse("http://localhost").unwrap();
        assert_eq!((t.authority.as_str(), t.path), ("localhost:80", "/"));
        let t = parse("http://[::1]:8001/readyz?x=1").unwrap();
        assert_eq!(
            (t.authority.as_str(), t.path),
            ("[::1]:8001", "/readyz?x=1")
        );
        let t = parse("http://[::1]/").unwrap();
        assert_eq!(t.authority, "[::1]:80");
        for bad in [
            "https://h/",
            "h:8000/readyz",
            "http:///x",
            "http://u:p@h/",
            "http://h/a b",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn status_lines() {
        assert_eq!(parse_status("HTTP/1.1 200 OK\r\n").unwrap().code, 200);
        let s = parse_status("HTTP/1.1 503 Service Unavailable\r\n").unwrap();
        assert_eq!(
            (s.code, s.line.as_str()),
            (503, "HTTP/1.1 503 Service Unavailable")
        );
        assert!(parse_status("").is_err());
        assert!(parse_status("SSH-2.0-OpenSSH\r\n").is_err());
    }

    /// A one-shot server answering `answer`; its address.
    fn serve_once(answer: &'static str) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut head = [0u8; 1024];
            let n = stream.read(&mut head).unwrap();
            assert!(String::from_utf8_lossy(&head[..n]).starts_with("GET /readyz HTTP/1.1\r\n"));
            stream.write_all(answer.as_bytes()).unwrap();
        });
        address
    }

    #[test]
    fn exit_status_follows_the_answer() {
        let ok = serve_once("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}");
        assert_eq!(healthcheck(&format!("http://{ok}/readyz")), Ok(()));
        let down = serve_once("HTTP/1.1 503 Service Unavailable\r\n\r\n");
        let url = format!("http://{down}/readyz");
        assert_eq!(
            healthcheck(&url),
            Err(format!(
                "healthcheck {url}: HTTP/1.1 503 Service Unavailable"
            ))
        );
        // nothing listens on a port just released
        let closed = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let error = healthcheck(&format!("http://{closed}/readyz")).unwrap_err();
        assert!(error.contains("cannot connect"), "{error}");
    }

    #[test]
    fn a_silent_server_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let started = std::time::Instant::now();
        let error =
            get_status(&format!("http://{address}/"), Duration::from_millis(200)).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2), "{error}");
        drop(listener);
    }
}
