//! The time of one bare PBKDF2-SHA256 hash (Django's `make_password`), to set
//! against the latency of a login.
//!
//! ```text
//! hash-time [--iterations 1500000] [--runs 5] [--threads 1]
//! hash-time [--iterations 1500000] --pairs 10 --login 127.0.0.1:8000 --body 'username=u&password=p'
//! ```
//!
//! The first form prints `median_ms min_ms` of `--runs` hashes; with `--threads N`, N
//! hashes run at once in each round and the figures are per hash.
//!
//! The second form measures the per-login overhead on a noisy machine: it alternates one
//! bare hash here and one `POST /api/token/` on one keep-alive connection, `--pairs`
//! times, and prints `login_median_ms hash_median_ms overhead_median_ms overhead_min_ms`,
//! the overhead being the median (and minimum) of each login minus the hash next to it.

use django_hashers::{HasherConfig, HasherKind, make_password};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Instant;

struct Args {
    iterations: u32,
    runs: usize,
    threads: usize,
    pairs: usize,
    login: Option<String>,
    path: String,
    body: String,
}

fn parse() -> Result<Args, String> {
    let mut args = Args {
        iterations: 1_500_000,
        runs: 5,
        threads: 1,
        pairs: 10,
        login: None,
        path: "/api/token/".into(),
        body: String::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = || value.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--iterations" => {
                args.iterations = value.parse().map_err(|e| format!("{flag}: {e}"))?
            }
            "--runs" => args.runs = number()?.max(1),
            "--threads" => args.threads = number()?.max(1),
            "--pairs" => args.pairs = number()?.max(1),
            "--login" => args.login = Some(value),
            "--path" => args.path = value,
            "--body" => args.body = value,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn hash_ms(config: &HasherConfig) -> f64 {
    let start = Instant::now();
    std::hint::black_box(make_password(
        std::hint::black_box("contrasenasegura"),
        config,
    ));
    start.elapsed().as_secs_f64() * 1e3
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// One form POST on a keep-alive connection; the latency in ms, or why it failed.
fn post(
    stream: &mut BufReader<TcpStream>,
    host: &str,
    path: &str,
    body: &str,
) -> Result<f64, String> {
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let start = Instant::now();
    stream
        .get_mut()
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let mut status_line = String::new();
    stream
        .read_line(&mut status_line)
        .map_err(|e| e.to_string())?;
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).map_err(|e| e.to_string())?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().map_err(|_| "bad Content-Length")?;
        }
    }
    let mut content = vec![0; length];
    stream.read_exact(&mut content).map_err(|e| e.to_string())?;
    let elapsed = start.elapsed().as_secs_f64() * 1e3;
    if !status_line.starts_with("HTTP/1.1 200") {
        return Err(format!("login answered {}", status_line.trim()));
    }
    Ok(elapsed)
}

fn pairs(args: &Args, config: &HasherConfig, host: &str) -> Result<(), String> {
    let stream = TcpStream::connect(host).map_err(|e| format!("{host}: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let mut stream = BufReader::new(stream);
    // Unmeasured: warm both sides.
    post(&mut stream, host, &args.path, &args.body)?;
    let (mut logins, mut hashes, mut overheads) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..args.pairs {
        // Alternate the order so that neither side always runs first.
        let (login, hash) = if i % 2 == 0 {
            let hash = hash_ms(config);
            (post(&mut stream, host, &args.path, &args.body)?, hash)
        } else {
            let login = post(&mut stream, host, &args.path, &args.body)?;
            (login, hash_ms(config))
        };
        logins.push(login);
        hashes.push(hash);
        overheads.push(login - hash);
    }
    let min_overhead = overheads.iter().copied().fold(f64::INFINITY, f64::min);
    println!(
        "{:.3} {:.3} {:.3} {:.3}",
        median(&mut logins),
        median(&mut hashes),
        median(&mut overheads),
        min_overhead
    );
    Ok(())
}

fn main() -> ExitCode {
    let args = match parse() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("hash-time: {e}");
            eprintln!(
                "usage: hash-time [--iterations N] [--runs N] [--threads N] [--pairs N --login HOST:PORT --body FORM [--path /api/token/]]"
            );
            return ExitCode::from(2);
        }
    };
    let config = HasherConfig::new(HasherKind::Pbkdf2Sha256, args.iterations);
    // One unmeasured hash: page in the code, settle the clock.
    std::hint::black_box(make_password("warm-up", &config));
    if let Some(host) = &args.login {
        return match pairs(&args, &config, host) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("hash-time: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let mut times = Vec::with_capacity(args.runs * args.threads);
    for _ in 0..args.runs {
        let handles: Vec<_> = (0..args.threads)
            .map(|_| {
                let config = config.clone();
                std::thread::spawn(move || hash_ms(&config))
            })
            .collect();
        for handle in handles {
            times.push(handle.join().unwrap_or(f64::NAN));
        }
    }
    let min = times.iter().copied().fold(f64::INFINITY, f64::min);
    println!("{:.3} {:.3}", median(&mut times), min);
    ExitCode::SUCCESS
}
