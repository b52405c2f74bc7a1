//! Login throttling through real HTTP (issue 9): failed logins per (username, client IP), all
//! login attempts per client IP, DRF's 429, the client IP through trusted proxies only, the
//! counters shared by replicas on one database, and `off`.
//!
//! Distinct clients are simulated with `TOKENPAIR__TRUSTED_PROXIES=127.0.0.1/32` (the test
//! client's own address) and an `X-Forwarded-For` per client.

use reqwest::Client;
use std::sync::Arc;
use std::time::Duration;

use tests::app::client;
use tests::bodies::{NO_ACCOUNT, OBTAIN, SLIDING};
use tests::{Answer, Ctx, TestApp, e2e, harness::E2e};

mod counters;

pub fn tests() -> Vec<E2e> {
    e2e![
        failed_logins_per_username_and_ip_are_limited,
        a_successful_login_clears_the_failures,
        the_default_allows_ten_failures_a_minute,
        a_throttled_attempt_costs_no_hash,
        all_attempts_per_ip_are_limited_before_the_body_is_read,
        counters::forwarded_for_from_an_untrusted_peer_is_ignored,
        counters::only_the_rightmost_untrusted_entry_counts,
        counters::off_turns_both_throttles_off,
        counters::replicas_on_one_database_share_the_limits,
        counters::concurrent_guesses_cannot_exceed_the_limit,
        counters::a_window_ends_and_says_one_second,
        counters::ended_windows_are_pruned,
    ]
}

const TRUST_LOOPBACK: (&str, &str) = ("TOKENPAIR__TRUSTED_PROXIES", "127.0.0.1/32");

/// A login from `client` (sent as `X-Forwarded-For`, when given) to the service at `base`.
async fn login(
    http: &Client,
    base: &str,
    path: &str,
    client: Option<&str>,
    username: &str,
    password: &str,
) -> Answer {
    let mut request = http
        .post(format!("{base}{path}"))
        .timeout(Duration::from_secs(60))
        .form(&[("username", username), ("password", password)]);
    if let Some(ip) = client {
        request = request.header("x-forwarded-for", ip);
    }
    let sent = request.send().await;
    let response = sent.unwrap_or_else(|e| panic!("POST {path} as {client:?}/{username}: {e:?}"));
    Answer::read(response).await
}

/// A login to `app`'s auth-service from `client`.
async fn from(app: &TestApp, client: &str, username: &str, password: &str) -> Answer {
    login(
        &app.client,
        &app.auth,
        OBTAIN,
        Some(client),
        username,
        password,
    )
    .await
}

/// A login that wants a hash, retried while the one hashing thread is not free (503).
async fn hashed(http: &Client, base: &str, client: &str, username: &str, password: &str) -> Answer {
    for _ in 0..500 {
        let answer = login(http, base, OBTAIN, Some(client), username, password).await;
        if answer.status != 503 {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no hashing thread free for 10 s and more");
}

/// DRF's 429: exact body, `Retry-After` equal to the body's N (1 ≤ N ≤ `period`), the token
/// views' `Allow`/`Vary`, and no `WWW-Authenticate` (it is no authentication failure).
#[track_caller]
fn assert_throttled(answer: &Answer, period: u64) -> u64 {
    assert_eq!(answer.status, 429, "{answer:?}");
    let wait: u64 = answer
        .header("retry-after")
        .unwrap_or_else(|| panic!("no Retry-After: {answer:?}"))
        .parse()
        .expect("Retry-After is whole seconds");
    assert!((1..=period).contains(&wait), "Retry-After {wait}");
    let unit = if wait == 1 { "second" } else { "seconds" };
    answer.assert(
        429,
        &format!(r#"{{"detail":"Request was throttled. Expected available in {wait} {unit}."}}"#),
    );
    assert_eq!(answer.header("content-type"), Some("application/json"));
    assert_eq!(answer.header("allow"), Some("POST, OPTIONS"));
    assert_eq!(answer.header("vary"), Some("Accept"));
    assert_eq!(answer.header("www-authenticate"), None);
    wait
}

/// `tokenpair_logins_total` by outcome, read from `/metrics`.
async fn logins(http: &Client, base: &str, outcome: &str) -> u64 {
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("metrics body");
    let prefix =
        format!(r#"tokenpair_logins_total{{outcome="{outcome}",service="auth-service"}} "#);
    text.lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .map_or(0, |n| n.parse().expect("a count"))
}

fn rows(app: &TestApp) -> i64 {
    app.db.count("tokenpair_login_throttle")
}

async fn failed_logins_per_username_and_ip_are_limited(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[("TOKENPAIR__LOGIN_THROTTLE_USER", "3/min"), TRUST_LOOPBACK]);
    app.create_user("alice", "pw-alice-1");
    app.create_user("bob", "pw-bob-1");
    let attacker = "203.0.113.1";
    for _ in 0..3 {
        from(&app, attacker, "alice", "wrong")
            .await
            .assert_401(NO_ACCOUNT);
    }
    assert_throttled(&from(&app, attacker, "alice", "wrong").await, 60);
    // the right password changes nothing: it is never checked
    assert_throttled(&from(&app, attacker, "alice", "pw-alice-1").await, 60);
    let sliding = login(
        &app.client,
        &app.auth,
        SLIDING,
        Some(attacker),
        "alice",
        "pw-alice-1",
    )
    .await;
    assert_throttled(&sliding, 60);
    // other usernames from the same address have their own budget
    from(&app, attacker, "bob", "wrong")
        .await
        .assert_401(NO_ACCOUNT);
    assert_eq!(from(&app, attacker, "bob", "pw-bob-1").await.status, 200);
    // and alice herself, from elsewhere, logs in
    assert_eq!(
        from(&app, "203.0.113.2", "alice", "pw-alice-1")
            .await
            .status,
        200
    );
    let http = &app.client;
    assert_eq!(logins(http, &app.auth, "throttled").await, 3);
    assert_eq!(logins(http, &app.auth, "failure").await, 4);
    assert_eq!(logins(http, &app.auth, "success").await, 2);
}

async fn a_successful_login_clears_the_failures(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[("TOKENPAIR__LOGIN_THROTTLE_USER", "3/min"), TRUST_LOOPBACK]);
    app.create_user("alice", "pw-alice-1");
    let me = "198.51.100.7";
    for _ in 0..2 {
        from(&app, me, "alice", "typo").await.assert_401(NO_ACCOUNT);
    }
    assert_eq!(from(&app, me, "alice", "pw-alice-1").await.status, 200);
    // successes are not failures either: many in a row are never throttled
    for _ in 0..5 {
        assert_eq!(from(&app, me, "alice", "pw-alice-1").await.status, 200);
    }
    for _ in 0..3 {
        from(&app, me, "alice", "typo").await.assert_401(NO_ACCOUNT);
    }
    assert_throttled(&from(&app, me, "alice", "typo").await, 60);
}

async fn the_default_allows_ten_failures_a_minute(ctx: Arc<Ctx>) {
    // no throttle settings: the defaults, 10/min per (username, IP) and 300/min per IP
    let app = ctx.spawn(&[]);
    app.create_user("alice", "pw-alice-1");
    for _ in 0..10 {
        let answer = app
            .post_form(OBTAIN, &[("username", "alice"), ("password", "wrong")])
            .await;
        answer.assert_401(NO_ACCOUNT);
    }
    let answer = app
        .post_form(OBTAIN, &[("username", "alice"), ("password", "pw-alice-1")])
        .await;
    assert_throttled(&answer, 60);
}

async fn a_throttled_attempt_costs_no_hash(ctx: Arc<Ctx>) {
    // One hashing thread and no queue: while it is busy, any login that wants a hash gets
    // 503 at once. A throttled login must still get its 429: it never asks for a hash.
    // A very costly hash for alice, made first (it takes seconds: not while connections idle).
    let slow = tokio::task::spawn_blocking(|| {
        django_hashers::pbkdf2::encode(
            "pw-alice-1",
            "abcdefghijklmnopqrstuv",
            8_000_000,
            django_hashers::pbkdf2::Digest::Sha256,
        )
    })
    .await
    .expect("slow hash");
    let app = ctx.spawn(&[
        ("TOKENPAIR__LOGIN_THROTTLE_USER", "2/min"),
        // the probes below are many attempts from one address
        ("TOKENPAIR__LOGIN_THROTTLE_IP", "off"),
        ("TOKENPAIR__HASH_THREADS", "1"),
        ("TOKENPAIR__HASH_QUEUE", "0"),
        ("TOKENPAIR__WORKERS", "2"),
        TRUST_LOOPBACK,
    ]);
    let id = app.create_user("alice", "pw-alice-1");
    let attacker = "203.0.113.66";
    // With no queue, a hash is taken only by a thread waiting for one: right after a job (or
    // before the thread started) a login may get 503; those are retried (503 counts nothing).
    for _ in 0..2 {
        hashed(&app.client, &app.auth, attacker, "alice", "wrong")
            .await
            .assert_401(NO_ACCOUNT);
    }
    // alice's hash becomes the costly one: checking it occupies the only thread for seconds
    app.set_password(id, &slow);
    let slow_login = {
        let (http, base) = (app.client.clone(), app.auth.clone());
        tokio::spawn(async move { hashed(&http, &base, "192.0.2.1", "alice", "pw-alice-1").await })
    };
    // The proof: a throttled attempt with the right password answers 429 while the only
    // hashing thread is busy before and after it (had it asked for a hash, it would have got
    // 503). Busy is judged by probes (logins that want a hash): three 503s in a row, as one
    // can also fall into the moment between two jobs. Repeated while the slow login lasts.
    let mut probes = 0..;
    let mut busy = async || {
        for _ in 0..3 {
            let n = probes.next().unwrap_or_default();
            // a new name each time: a probe's failure must not throttle the next probe
            let probe = from(&app, "192.0.2.2", &format!("probe-{n}"), "x").await;
            if probe.status != 503 {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        true
    };
    let mut proven = false;
    while !proven && !slow_login.is_finished() {
        if !busy().await {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        let throttled = from(&app, attacker, "alice", "pw-alice-1").await;
        assert_throttled(&throttled, 60);
        proven = busy().await;
    }
    assert!(
        proven,
        "never saw the throttled attempt while the hashing thread was busy"
    );
    assert_eq!(slow_login.await.expect("slow login").status, 200);
    let http = &app.client;
    assert!(logins(http, &app.auth, "throttled").await >= 1);
    assert_eq!(logins(http, &app.auth, "success").await, 1);
}

async fn all_attempts_per_ip_are_limited_before_the_body_is_read(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[
        ("TOKENPAIR__LOGIN_THROTTLE_IP", "3/min"),
        ("TOKENPAIR__LOGIN_THROTTLE_USER", "off"),
        TRUST_LOOPBACK,
    ]);
    app.create_user("alice", "pw-alice-1");
    let crowd = "203.0.113.9";
    // successes, failures and broken bodies all count
    assert_eq!(from(&app, crowd, "alice", "pw-alice-1").await.status, 200);
    from(&app, crowd, "mallory", "guess")
        .await
        .assert_401(NO_ACCOUNT);
    let broken = |path: &'static str| {
        app.client
            .post(format!("{}{path}", app.auth))
            .header("x-forwarded-for", crowd)
            .header("content-type", "application/json")
            .body("{not json")
    };
    let parse_error = Answer::read(broken(OBTAIN).send().await.unwrap()).await;
    assert_eq!(parse_error.status, 400, "{parse_error:?}");
    // the fourth: throttled before its body is parsed, on both login views
    assert_throttled(
        &Answer::read(broken(OBTAIN).send().await.unwrap()).await,
        60,
    );
    assert_throttled(
        &Answer::read(broken(SLIDING).send().await.unwrap()).await,
        60,
    );
    assert_throttled(&from(&app, crowd, "alice", "pw-alice-1").await, 60);
    // a large body is not read either, and the client can go on (same or new connection)
    let large = format!(
        r#"{{"username":"alice","password":"{}"}}"#,
        "p".repeat(60_000)
    );
    for _ in 0..3 {
        let answer = app
            .client
            .post(format!("{}{OBTAIN}", app.auth))
            .header("x-forwarded-for", crowd)
            .header("content-type", "application/json")
            .body(large.clone())
            .send()
            .await
            .expect("POST after a throttled large body");
        assert_throttled(&Answer::read(answer).await, 60);
    }
    // content negotiation comes first, as in DRF's initial()
    let not_acceptable = Answer::read(
        broken(OBTAIN)
            .header("accept", "application/xml")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(not_acceptable.status, 406, "{not_acceptable:?}");
    // other views are not login attempts
    let refresh = Answer::read(
        app.client
            .post(format!("{}/api/token/refresh/", app.auth))
            .header("x-forwarded-for", crowd)
            .form(&[("refresh", "x")])
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(refresh.status, 401, "{refresh:?}");
    // another address has its own budget
    assert_eq!(
        from(&app, "203.0.113.10", "alice", "pw-alice-1")
            .await
            .status,
        200
    );
}
