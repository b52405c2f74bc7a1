//! Hostile input to both services (issue 9): oversized header fields get 431
//! before anything parses them, pathological headers under the limit are cheap,
//! error bodies never echo unbounded request data, metric labels come from
//! closed sets, and slow heads and bodies are cut by the client timeouts.

use reqwest::Method;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use tests::bodies::HEADER_TOO_LARGE;
use tests::{Answer, Ctx, TestApp, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![
        oversized_header_fields_get_431_on_both_services,
        header_fields_up_to_the_limit_are_served,
        pathological_headers_under_the_limit_are_answered_normally,
        echoed_request_data_is_cut,
        metrics_stay_the_same_size_whatever_is_sent,
        slow_bodies_are_cut,
        unread_slow_bodies_and_slow_heads_are_dropped,
    ]
}

/// The default `TOKENPAIR__MAX_HEADER_BYTES` (gunicorn's `limit_request_field_size`).
const LIMIT: usize = 8190;

/// Far above what any of these answers takes on an idle machine, far below the
/// seconds a quadratic parse or a missing timeout costs: no flakes under load.
const GENEROUS: Duration = Duration::from_secs(10);

async fn send(app: &TestApp, method: Method, url: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = app.client.request(method, url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Answer::read(request.send().await.expect("request")).await
}

/// A header field of exactly `size` bytes as gunicorn counts it: name, `: `, value.
fn field_of(name: &str, size: usize) -> String {
    "a".repeat(size - name.len() - 2)
}

async fn oversized_header_fields_get_431_on_both_services(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let cases = [
        (
            "accept",
            Method::GET,
            format!("{}/protected/", app.protected),
        ),
        (
            "authorization",
            Method::GET,
            format!("{}/protected/", app.protected),
        ),
        (
            "x-custom",
            Method::GET,
            format!("{}/healthz", app.protected),
        ),
        ("accept", Method::POST, format!("{}/api/token/", app.auth)),
        (
            "content-type",
            Method::POST,
            format!("{}/api/token/", app.auth),
        ),
        (
            "authorization",
            Method::POST,
            format!("{}/api/token/logout-all/", app.auth),
        ),
        (
            "x-custom",
            Method::GET,
            format!("{}/no/such/path", app.auth),
        ),
    ];
    for (name, method, url) in cases {
        // Just over the limit, and the 120 KB of the issue's attack.
        for size in [LIMIT + 1, 120_000] {
            let value = match name {
                "authorization" => format!("Bearer {}", field_of(name, size - 7)),
                "accept" | "content-type" => format!("a;\"{}", ";".repeat(size - name.len() - 5)),
                _ => field_of(name, size),
            };
            let started = Instant::now();
            let answer = send(&app, method.clone(), &url, &[(name, &value)]).await;
            assert!(
                started.elapsed() < GENEROUS,
                "{name} {size}: {:?}",
                started.elapsed()
            );
            answer.assert(431, HEADER_TOO_LARGE);
            assert_eq!(answer.header("content-type"), Some("application/json"));
            assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
        }
    }
    // actix refuses a head over 128 KiB, or over 96 fields, itself: 431, empty body.
    let many: Vec<(String, String)> = (0..100).map(|i| (format!("x-{i}"), "1".into())).collect();
    let mut request = app.client.get(format!("{}/healthz", app.protected));
    for (name, value) in &many {
        request = request.header(name, value);
    }
    let answer = Answer::read(request.send().await.expect("GET")).await;
    assert_eq!(answer.status, 431, "{}", answer.text);
    let head = raw_exchange(
        &app.protected,
        format!(
            "GET /healthz HTTP/1.1\r\nHost: x\r\n{}\r\n",
            "x-a: aaaaaaaa\r\n".repeat(9000)
        )
        .as_bytes(),
        &[],
    )
    .await;
    assert!(head.text.starts_with("HTTP/1.1 431"), "{}", head.text);
}

async fn header_fields_up_to_the_limit_are_served(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("hana", "contrasenasegura");
    let (_, access) = app.obtain("hana", "contrasenasegura").await;
    let bearer = format!("Bearer {access}");
    let url = format!("{}/protected/", app.protected);
    let at_limit = field_of("x-pad", LIMIT);
    let answer = send(
        &app,
        Method::GET,
        &url,
        &[("authorization", &bearer), ("x-pad", &at_limit)],
    )
    .await;
    answer.assert(200, r#"{"content":"This view is protected"}"#);
    let over = field_of("x-pad", LIMIT + 1);
    let answer = send(
        &app,
        Method::GET,
        &url,
        &[("authorization", &bearer), ("x-pad", &over)],
    )
    .await;
    answer.assert(431, HEADER_TOO_LARGE);
    // The limit is a setting.
    let app = ctx.spawn(&[("TOKENPAIR__MAX_HEADER_BYTES", "20000")]);
    let url = format!("{}/protected/", app.protected);
    let answer = send(
        &app,
        Method::GET,
        &url,
        &[("authorization", &bearer), ("x-pad", &over)],
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let answer = send(
        &app,
        Method::GET,
        &url,
        &[("x-pad", &field_of("x-pad", 20_001))],
    )
    .await;
    answer.assert(431, HEADER_TOO_LARGE);
}

async fn pathological_headers_under_the_limit_are_answered_normally(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("ines", "contrasenasegura");
    let (_, access) = app.obtain("ines", "contrasenasegura").await;
    let bearer = format!("Bearer {access}");
    let fill = |prefix: &str, unit: &str, name: &str| {
        let room = LIMIT - name.len() - 2 - prefix.len();
        format!("{prefix}{}", unit.repeat(room / unit.len()))
    };
    let protected = format!("{}/protected/", app.protected);
    let accepts = [
        fill("a;\"", ";", "accept"),
        fill("application/json;\"", "\\\";", "accept"),
        fill("", ",", "accept"),
        fill("*/*", "; q=1", "accept"),
    ];
    for accept in &accepts {
        let started = Instant::now();
        let answer = send(
            &app,
            Method::GET,
            &protected,
            &[("authorization", &bearer), ("accept", accept)],
        )
        .await;
        assert!(started.elapsed() < GENEROUS);
        assert!(
            matches!(answer.status, 200 | 406),
            "{} {}",
            answer.status,
            answer.text
        );
        serde_json::from_str::<Value>(&answer.text).expect("JSON body");
    }
    let login = format!("{}/api/token/", app.auth);
    let content_types = [
        fill("application/json;\"", ";", "content-type"),
        fill("multipart/form-data; boundary=x;\"", ";", "content-type"),
        fill(
            "application/x-www-form-urlencoded",
            "; a=\"\\\"\"",
            "content-type",
        ),
        fill("text/plain", ";", "content-type"),
    ];
    for content_type in &content_types {
        let started = Instant::now();
        let answer = Answer::read(
            app.client
                .post(&login)
                .header("content-type", content_type.as_str())
                .body(r#"{"username":"ines","password":"x"}"#)
                .send()
                .await
                .expect("POST"),
        )
        .await;
        assert!(started.elapsed() < GENEROUS);
        assert!(
            answer.status < 500 && answer.status != 431,
            "{} {}",
            answer.status,
            answer.text
        );
        serde_json::from_str::<Value>(&answer.text).expect("JSON body");
    }
}

async fn echoed_request_data_is_cut(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    // DRF's text, unchanged, up to 100 characters.
    let short = format!("text/{}", "p".repeat(95));
    let answer = app.post_raw("/api/token/", Some(&short), "x").await;
    answer.assert(
        415,
        &format!(r#"{{"detail":"Unsupported media type \"{short}\" in request."}}"#),
    );
    let long = format!("text/plain; x={}", "y".repeat(8000));
    let answer = app.post_raw("/api/token/", Some(&long), "x").await;
    answer.assert(
        415,
        &format!(
            r#"{{"detail":"Unsupported media type \"{}…\" in request."}}"#,
            &long[..100]
        ),
    );
    // A multipart Content-Type Django refuses, with a long boundary.
    let boundary = format!("multipart/form-data; boundary=\"{}\"", "b".repeat(3000));
    let answer = app.post_raw("/api/token/", Some(&boundary), "x").await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    assert!(answer.text.len() < 300, "{}", answer.text);
    // An extension method of 300 characters in the 405 detail.
    let method = Method::from_bytes("X".repeat(300).as_bytes()).expect("method");
    let answer = send(&app, method, &format!("{}/api/token/", app.auth), &[]).await;
    answer.assert(
        405,
        &format!(
            r#"{{"detail":"Method \"{}…\" not allowed."}}"#,
            "X".repeat(100)
        ),
    );
}

/// xorshift64: reproducible random methods and paths.
struct Rng(u64);

impl Rng {
    fn word(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| {
                self.0 ^= self.0 << 13;
                self.0 ^= self.0 >> 7;
                self.0 ^= self.0 << 17;
                char::from(b'A' + (self.0 % 26) as u8)
            })
            .collect()
    }
}

async fn metrics_stay_the_same_size_whatever_is_sent(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    for base in [app.auth.clone(), app.protected.clone()] {
        let metrics_url = format!("{base}/metrics");
        // One request of each kind: random method on a known route, random path,
        // random method on a random path; then /metrics itself.
        let kinds = |rng: &mut Rng| {
            let method =
                Method::from_bytes(format!("X{}", rng.word(8)).as_bytes()).expect("method");
            let path = format!("/{}/{}", rng.word(6), rng.word(4));
            [
                (method.clone(), "/healthz".to_owned()),
                (Method::GET, path.clone()),
                (method, path),
            ]
        };
        for (method, path) in kinds(&mut rng) {
            send(&app, method, &format!("{base}{path}"), &[]).await;
        }
        let before = send(&app, Method::GET, &metrics_url, &[]).await.text;
        let before = send(&app, Method::GET, &metrics_url, &[])
            .await
            .text
            .len()
            .max(before.len());
        for _ in 0..100 {
            for (method, path) in kinds(&mut rng) {
                let answer = send(&app, method, &format!("{base}{path}"), &[]).await;
                assert!(matches!(answer.status, 404 | 405), "{}", answer.status);
            }
        }
        let after = send(&app, Method::GET, &metrics_url, &[]).await.text;
        assert!(!after.contains("method=\"X"), "{after}");
        assert!(after.contains(r#"method="OTHER""#), "{after}");
        assert!(after.contains(r#"route="unmatched""#), "{after}");
        // Only the counts' and sums' digits may grow: 300 more requests add at
        // most a few characters per series, never a series.
        assert!(
            after.len() <= before + 400,
            "{before} → {}\n{after}",
            after.len()
        );
    }
}

/// What the server sent before it closed the connection (or `GENEROUS` passed).
struct Exchange {
    text: String,
    closed_after: Duration,
}

/// Sends `head`, then each of `trickle` one second apart (stopping when the
/// server closes), and reads until the server closes the connection.
async fn raw_exchange(base: &str, head: &[u8], trickle: &[&[u8]]) -> Exchange {
    let addr = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let started = Instant::now();
    let _ = stream.write_all(head).await;
    let (mut reader, mut writer) = stream.into_split();
    let trickle: Vec<Vec<u8>> = trickle.iter().map(|t| t.to_vec()).collect();
    let writer_task = tokio::spawn(async move {
        for piece in trickle {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if writer.write_all(&piece).await.is_err() {
                return;
            }
        }
        // Then stall, connection open, until the test ends.
        tokio::time::sleep(GENEROUS * 2).await;
        drop(writer);
    });
    let mut received = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + GENEROUS * 2;
    loop {
        match tokio::time::timeout_at(deadline, reader.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => received.extend_from_slice(&buf[..n]),
        }
    }
    writer_task.abort();
    Exchange {
        text: String::from_utf8_lossy(&received).into_owned(),
        closed_after: started.elapsed(),
    }
}

fn body_of(exchange: &Exchange) -> &str {
    exchange
        .text
        .split_once("\r\n\r\n")
        .map_or("", |(_, body)| body)
}

async fn slow_bodies_are_cut(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[
        ("TOKENPAIR__CLIENT_BODY_TIMEOUT", "2"),
        ("TOKENPAIR__CLIENT_HEAD_TIMEOUT", "2"),
    ]);
    let body = br#"{"username":"nobody","password":"whatever"}"#;
    let head = format!(
        "POST /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    // One byte a second (the whole body would take 43 s), then stalled after 10 bytes.
    let bytes: Vec<&[u8]> = body.chunks(1).collect();
    let mut stalled = head.clone().into_bytes();
    stalled.extend_from_slice(&body[..10]);
    for (what, first, trickle) in [
        ("1 byte/s", head.as_bytes().to_vec(), bytes),
        ("stalled after 10 bytes", stalled, Vec::new()),
    ] {
        let exchange = raw_exchange(&app.auth, &first, &trickle).await;
        assert!(
            exchange.closed_after < GENEROUS,
            "{what}: open for {:?}",
            exchange.closed_after
        );
        assert!(
            exchange.text.starts_with("HTTP/1.1 408"),
            "{what}: {}",
            exchange.text
        );
        assert_eq!(
            body_of(&exchange),
            r#"{"detail":"Request body not received in time."}"#,
            "{what}"
        );
        assert!(
            exchange
                .text
                .to_ascii_lowercase()
                .contains("connection: close"),
            "{what}: {}",
            exchange.text
        );
    }
    // The same body sent at once is served (401: no such user).
    let mut whole = head.into_bytes();
    whole.extend_from_slice(body);
    let exchange = raw_exchange(&app.auth, &whole, &[]).await;
    assert!(
        exchange.text.starts_with("HTTP/1.1 401"),
        "{}",
        exchange.text
    );
}

async fn unread_slow_bodies_and_slow_heads_are_dropped(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[
        ("TOKENPAIR__CLIENT_BODY_TIMEOUT", "2"),
        ("TOKENPAIR__CLIENT_HEAD_TIMEOUT", "2"),
    ]);
    let ticks: Vec<&[u8]> = vec![b"a"; 30];
    // GET /protected/ never reads its body: answered, then the connection closes
    // instead of waiting for a megabyte at a byte a second.
    for head in [
        "GET /protected/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n",
        "GET /protected/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n100000\r\n",
    ] {
        let exchange = raw_exchange(&app.protected, head.as_bytes(), &ticks).await;
        assert!(
            exchange.closed_after < GENEROUS,
            "{head:?}: open for {:?}",
            exchange.closed_after
        );
        assert!(
            exchange.text.starts_with("HTTP/1.1 401"),
            "{head:?}: {}",
            exchange.text
        );
    }
    // The same on auth-service, where the 405 view reads no body either.
    let exchange = raw_exchange(
        &app.auth,
        b"PUT /api/token/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n",
        &ticks,
    )
    .await;
    assert!(
        exchange.closed_after < GENEROUS,
        "open for {:?}",
        exchange.closed_after
    );
    assert!(
        exchange.text.starts_with("HTTP/1.1 405"),
        "{}",
        exchange.text
    );
    // A head sent a byte a second never completes: 408 and closed.
    let head: Vec<&[u8]> = b"ET /protected/ HTTP/1.1\r\nHost: x\r\n\r\n"
        .chunks(1)
        .collect();
    for base in [&app.protected, &app.auth] {
        let exchange = raw_exchange(base, b"G", &head).await;
        assert!(
            exchange.closed_after < GENEROUS,
            "head: open for {:?}",
            exchange.closed_after
        );
        assert!(
            exchange.text.is_empty() || exchange.text.starts_with("HTTP/1.1 408"),
            "{}",
            exchange.text
        );
    }
}
