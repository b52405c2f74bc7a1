//! Worst-case CPU cost of the header and body parsers on hostile input up to
//! 128 KiB: `cargo run --release -p shared --example hostile_headers`.
//! Each case runs a few times and reports the slowest run.

use bytes::Bytes;
use shared::request::{negotiate, parse_body};
use std::time::{Duration, Instant};

fn worst(mut f: impl FnMut()) -> Duration {
    (0..5)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed()
        })
        .max()
        .unwrap_or_default()
}

fn main() {
    let semis = |prefix: &str, n: usize| format!("{prefix}{}", ";".repeat(n));
    let cases: Vec<(&str, String)> = vec![
        ("a;\" + 60,000 ;", semis("a;\"", 60_000)),
        ("a;\" + 120,000 ;", semis("a;\"", 120_000)),
        ("a;\"x + 120,000 ;x", format!("a;\"{}", "x;".repeat(60_000))),
        (
            "a;\\\" + 60,000 \\\";",
            format!("a;{}", "\\\";".repeat(40_000)),
        ),
        ("120,000 ,", ",".repeat(120_000)),
        ("60,000 a/b;", "a/b;".repeat(30_000).replace(";a", ",a")),
        (
            "a/b; x=\"<120,000 \\\\\">\"",
            format!("a/b; x=\"{}\"", "\\\\".repeat(60_000)),
        ),
        (
            "a/b; 60,000 params",
            format!("a/b{}", "; q=1".repeat(24_000)),
        ),
        (
            "a/b; 30,000 indent",
            format!("a/b{}", ";indent=1".repeat(13_000)),
        ),
    ];
    for (name, header) in &cases {
        let accept = worst(|| {
            let _ = negotiate(Some(header), None);
        });
        let content_type = worst(|| {
            let body = Bytes::from_static(b"{}");
            let fut = parse_body(Some(header), body);
            let _ = futures_util::FutureExt::now_or_never(fut);
        });
        let multipart = format!("multipart/form-data; boundary=b;{header}");
        let mp = worst(|| {
            let body = Bytes::from_static(b"--b\r\n\r\n");
            let _ = futures_util::FutureExt::now_or_never(parse_body(Some(&multipart), body));
        });
        println!(
            "{name:<28} {:>7} B  Accept {:>10.3?}  Content-Type {:>10.3?}  multipart {:>10.3?}",
            header.len(),
            accept,
            content_type,
            mp
        );
    }
}
