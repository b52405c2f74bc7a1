//! The hostile side of bench case 8: connections that each send one worst-case request
//! every interval, while wrk measures normal traffic beside them.
//!
//! The request is `GET /protected/` with a 128 KiB `Accept` header of the shape that made
//! parameter parsing quadratic (`a;"` followed by `;`): the worst header an outsider
//! could send before the header limit and the linear parser. Each request goes on a new
//! connection (the service may close it after a 431) and its answer is read whole.
//!
//! ```text
//! hostile-headers --target 127.0.0.1:8001 --connections 8 --interval-ms 100 --seconds 10
//! ```
//! Prints `HOSTILE sent=N answered=N statuses=431:N,...` on exit.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The whole request stays within 128 KiB: the issue's "request of at most 128 KiB".
const REQUEST_BYTES: usize = 128 * 1024;

fn request(target: &str) -> Vec<u8> {
    let head =
        format!("GET /protected/ HTTP/1.1\r\nHost: {target}\r\nConnection: close\r\nAccept: a;\"");
    let tail = "\r\n\r\n";
    let fill = REQUEST_BYTES.saturating_sub(head.len() + tail.len());
    let mut bytes = head.into_bytes();
    bytes.resize(bytes.len() + fill, b';');
    bytes.extend_from_slice(tail.as_bytes());
    bytes
}

/// One request on a new connection; the status code, or None when the connection failed.
fn send(target: &str, body: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(target).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    stream
        .set_write_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    // The service may answer and close before the whole header is written: still read.
    let _ = stream.write_all(body);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let line = answer.split(|&b| b == b'\r').next()?;
    std::str::from_utf8(line)
        .ok()?
        .split(' ')
        .nth(1)?
        .parse()
        .ok()
}

struct Options {
    target: String,
    connections: usize,
    interval: Duration,
    seconds: Duration,
}

fn options() -> Result<Options, String> {
    let mut opts = Options {
        target: String::new(),
        connections: 8,
        interval: Duration::from_millis(100),
        seconds: Duration::from_secs(10),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        let number = || {
            value
                .parse::<u64>()
                .map_err(|_| format!("{flag}: not a number"))
        };
        match flag.as_str() {
            "--target" => opts.target = value.clone(),
            "--connections" => opts.connections = number()?.max(1) as usize,
            "--interval-ms" => opts.interval = Duration::from_millis(number()?),
            "--seconds" => opts.seconds = Duration::from_secs(number()?),
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    if opts.target.is_empty() {
        return Err("--target HOST:PORT is required".into());
    }
    Ok(opts)
}

fn main() -> ExitCode {
    let opts = match options() {
        Ok(opts) => opts,
        Err(e) => {
            eprintln!("hostile-headers: {e}");
            return ExitCode::from(2);
        }
    };
    let body = request(&opts.target);
    let deadline = Instant::now() + opts.seconds;
    let workers: Vec<_> = (0..opts.connections)
        .map(|_| {
            let (target, body, interval) = (opts.target.clone(), body.clone(), opts.interval);
            std::thread::spawn(move || {
                let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
                let mut sent = 0;
                while Instant::now() < deadline {
                    let started = Instant::now();
                    let status = send(&target, &body).map_or("failed".into(), |s| s.to_string());
                    *statuses.entry(status).or_default() += 1;
                    sent += 1;
                    std::thread::sleep(interval.saturating_sub(started.elapsed()));
                }
                (sent, statuses)
            })
        })
        .collect();
    let mut sent = 0;
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    for worker in workers {
        if let Ok((n, s)) = worker.join() {
            sent += n;
            for (status, count) in s {
                *statuses.entry(status).or_default() += count;
            }
        }
    }
    let answered: usize = statuses
        .iter()
        .filter(|(s, _)| s.as_str() != "failed")
        .map(|(_, n)| n)
        .sum();
    let list: Vec<String> = statuses.iter().map(|(s, n)| format!("{s}:{n}")).collect();
    println!(
        "HOSTILE sent={sent} answered={answered} statuses={}",
        list.join(",")
    );
    ExitCode::SUCCESS
}
