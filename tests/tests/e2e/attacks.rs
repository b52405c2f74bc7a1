//! The attack catalogue: every attack of the hardening issue, tried as an outsider
//! would (through HTTP, raw sockets, or the files and rows a thief gets), each with
//! the answer it now gets. The mechanisms are tested in depth beside their code's
//! modules (`hostile_input`, `throttle`, `revocation`, `keys_files`, `outage`); this
//! module is the list a reviewer reads to see that none is left open.
//!
//! | attack | answer | test |
//! | --- | --- | --- |
//! | quadratic `Accept`/`Content-Type` parameters (120 KB of `;`) | 431 JSON at once, other clients unaffected | `huge_header_parameters_stall_nobody` |
//! | a long but allowed header reflected in the 415 body | cut to 100 characters | `media_type_reflection_is_cut` |
//! | random extension methods and paths to grow `/metrics` | labels from closed sets, same size | `random_methods_cannot_grow_metrics` |
//! | online password guessing against one account | 429 after 10 failures, no hash | `password_guessing_is_throttled` |
//! | one address flooding logins (hashing queue) | 429 before the body is read | `login_flood_from_one_address_is_throttled` |
//! | a stolen `outstandingtoken` row replayed | rows hold no signature: 401 | `stolen_outstanding_rows_replay_nothing` |
//! | a guessable `SECRET_KEY` (`k`) | both services refuse to start | `short_secret_key_is_refused` |
//! | rotating while the victim logs out everywhere | revoked-before time: 401 | `rotated_token_does_not_survive_logout_all` (the race itself: `revocation::logout_all_cannot_be_outrun_by_rotation`) |
//! | reading the demo's `db.sqlite3` as another local user | created 0600 | `new_sqlite_database_is_owner_only` (the stack's key: `keys_files`) |
//! | a body sent 1 byte/s, or stalled | 408 JSON, connection closed | `slow_body_is_cut` |
//! | the database stopped | 503 JSON at once, recovery by itself | `stopped_database_answers_503_at_once` |
//! | a lock held on `auth_user` | 503 after `DB_STATEMENT_TIMEOUT` | `held_lock_answers_503` |
//! | SIGTERM while logins wait on the database | they finish within the grace | `outage::sigterm_lets_the_in_flight_login_finish_then_exits`, `outage::sigterm_past_the_grace_exits_and_writes_no_row` |

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;
use tests::app::{TEST_SECRET_KEY, TestApp};
use tests::bodies::{HEADER_TOO_LARGE, PROTECTED, UNAVAILABLE};
use tests::chaos_proxy::{ChaosProxy, upstream_of};
use tests::db::DbConnection;
use tests::{Answer, Backend, Ctx, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![
        huge_header_parameters_stall_nobody,
        media_type_reflection_is_cut,
        random_methods_cannot_grow_metrics,
        password_guessing_is_throttled,
        login_flood_from_one_address_is_throttled,
        stolen_outstanding_rows_replay_nothing,
        short_secret_key_is_refused,
        rotated_token_does_not_survive_logout_all,
        new_sqlite_database_is_owner_only,
        slow_body_is_cut,
        stopped_database_answers_503_at_once,
        held_lock_answers_503,
    ]
}

/// Far above anything the answers below should take, even on a loaded 2-core CI
/// machine; the quadratic parser took minutes for the four requests in debug builds.
const GENEROUS: Duration = Duration::from_secs(10);

/// `a;"` then `;` up to `bytes`: each `;` made the old parser rescan the prefix.
fn quadratic_parameters(bytes: usize) -> String {
    let mut value = String::from("a;\"");
    value.extend(std::iter::repeat_n(';', bytes - value.len()));
    value
}

async fn send(app: &TestApp, method: Method, url: &str, headers: &[(&str, &str)]) -> Answer {
    let mut request = app.client.request(method, url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    Answer::read(request.send().await.expect("request")).await
}

async fn huge_header_parameters_stall_nobody(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("kyoko", "contrasenasegura");
    let (_, access) = app.obtain("kyoko", "contrasenasegura").await;
    let bearer = format!("Bearer {access}");
    let hostile = quadratic_parameters(120_000);
    let started = Instant::now();
    // Four at once, as the issue's probe: two per service, on Accept and Content-Type.
    let attacks = [
        (
            format!("{}/protected/", app.protected),
            "accept",
            Method::GET,
        ),
        (
            format!("{}/protected/", app.protected),
            "content-type",
            Method::GET,
        ),
        (format!("{}/api/token/", app.auth), "accept", Method::POST),
        (
            format!("{}/api/token/", app.auth),
            "content-type",
            Method::POST,
        ),
    ];
    let mut running = Vec::new();
    for (url, header, method) in attacks {
        let request = app
            .client
            .request(method, url)
            .header(header, hostile.clone());
        running.push(tokio::spawn(async move {
            Answer::read(request.send().await.expect("request")).await
        }));
    }
    let mut answers = Vec::new();
    for handle in running {
        answers.push(handle.await.expect("attack task"));
    }
    for answer in &answers {
        answer.assert(431, HEADER_TOO_LARGE);
    }
    // Meanwhile everyone else is served.
    app.protected(Some(&bearer)).await.assert(200, PROTECTED);
    assert!(started.elapsed() < GENEROUS, "{:?}", started.elapsed());
}

async fn media_type_reflection_is_cut(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    // Under the header limit, so it reaches the parser selection and its 415.
    let media_type = format!("x/{}", "y".repeat(5000));
    let response = app
        .client
        .post(format!("{}/api/token/", app.auth))
        .header("content-type", media_type.as_str())
        .body("x") // DRF picks a parser only for a body
        .send()
        .await
        .expect("request");
    let answer = Answer::read(response).await;
    let cut = format!("x/{}…", "y".repeat(98));
    answer.assert(
        415,
        &json!({ "detail": format!("Unsupported media type \"{cut}\" in request.") }).to_string(),
    );
}

async fn random_methods_cannot_grow_metrics(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let metrics = |base: &str| {
        let url = format!("{base}/metrics");
        let client = app.client.clone();
        async move {
            client
                .get(url)
                .send()
                .await
                .expect("metrics")
                .text()
                .await
                .expect("text")
        }
    };
    for base in [&app.auth, &app.protected] {
        // One of each kind first, so that every series that can exist does.
        send(
            &app,
            Method::from_bytes(b"XQ0").expect("method"),
            &format!("{base}/x0"),
            &[],
        )
        .await;
        // (the first scrape only shows itself from the second on)
        metrics(base).await;
        let before = metrics(base).await.len();
        for i in 1..200 {
            let method = Method::from_bytes(format!("XQ{i}").as_bytes()).expect("method");
            send(&app, method, &format!("{base}/x{i}"), &[]).await;
        }
        let after = metrics(base).await;
        assert!(!after.contains("XQ1"), "a method became a label");
        // Counters grow by digits, not by series.
        assert!(after.len() <= before + 64, "{before} -> {}", after.len());
    }
}

async fn password_guessing_is_throttled(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("kyoko", "contrasenasegura");
    for guess in 0..10 {
        let answer = app
            .post_form(
                "/api/token/",
                &[
                    ("username", "kyoko"),
                    ("password", &format!("guess{guess}")),
                ],
            )
            .await;
        assert_eq!(answer.status, 401, "{}", answer.text);
    }
    // The eleventh guess, even the right one, is refused before any hash.
    let answer = app
        .post_form(
            "/api/token/",
            &[("username", "kyoko"), ("password", "contrasenasegura")],
        )
        .await;
    assert_eq!(answer.status, 429, "{}", answer.text);
    let detail = answer.json()["detail"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        detail.starts_with("Request was throttled. Expected available in "),
        "{detail}"
    );
    assert!(answer.header("retry-after").is_some());
}

async fn login_flood_from_one_address_is_throttled(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[("TOKENPAIR__LOGIN_THROTTLE_IP", "5/min")]);
    for _ in 0..5 {
        let answer = app.post_raw_json("{not even json").await;
        assert_eq!(answer.status, 400, "{}", answer.text);
    }
    // The sixth is refused before its (broken) body is read.
    let answer = app.post_raw_json("{not even json").await;
    assert_eq!(answer.status, 429, "{}", answer.text);
}

trait RawJson {
    async fn post_raw_json(&self, body: &str) -> Answer;
}

impl RawJson for TestApp {
    async fn post_raw_json(&self, body: &str) -> Answer {
        let response = self
            .client
            .post(format!("{}/api/token/", self.auth))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .expect("request");
        Answer::read(response).await
    }
}

async fn stolen_outstanding_rows_replay_nothing(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("kyoko", "contrasenasegura");
    let (refresh, _) = app.obtain("kyoko", "contrasenasegura").await;
    let stolen = stored_tokens(&app);
    assert_eq!(stolen.len(), 1);
    let row = &stolen[0];
    // header.payload, the signature gone: a thief has nothing to present.
    assert_eq!(row.matches('.').count(), 1, "{row}");
    assert!(refresh.starts_with(row.as_str()));
    for replay in [row.clone(), format!("{row}."), format!("{row}.x")] {
        let answer = app
            .post_json("/api/token/refresh/", &json!({ "refresh": replay }))
            .await;
        assert_eq!(answer.status, 401, "{}", answer.text);
        assert_eq!(answer.json()["code"], "token_not_valid");
    }
}

fn stored_tokens(app: &TestApp) -> Vec<String> {
    app.db
        .texts("SELECT token AS t FROM token_blacklist_outstandingtoken")
}

async fn short_secret_key_is_refused(ctx: Arc<Ctx>) {
    let settings = ctx.settings(&[("SECRET_KEY", "k")]);
    let listener = || std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let auth = auth_service::Application::build(settings.clone(), listener()).err();
    let protected = protected_service::Application::build(settings.into(), listener()).err();
    for (service, error) in [
        ("auth-service", auth.map(|e| e.to_string())),
        ("protected-service", protected),
    ] {
        let error = error.unwrap_or_else(|| panic!("{service} started with SECRET_KEY=k"));
        assert!(error.contains("SECRET_KEY"), "{service}: {error}");
        assert!(error.contains("too short"), "{service}: {error}");
        assert!(!error.contains(TEST_SECRET_KEY), "{service}: {error}");
    }
}

async fn rotated_token_does_not_survive_logout_all(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[
        ("SIMPLE_JWT__ROTATE_REFRESH_TOKENS", "true"),
        ("SIMPLE_JWT__BLACKLIST_AFTER_ROTATION", "true"),
    ]);
    app.create_user("kyoko", "contrasenasegura");
    let (refresh, access) = app.obtain("kyoko", "contrasenasegura").await;
    // The thief rotates first: a token the victim's session list never showed.
    let rotated = app
        .post_json("/api/token/refresh/", &json!({ "refresh": refresh }))
        .await
        .field("refresh");
    let answer = Answer::read(
        app.client
            .post(format!("{}/api/token/logout-all/", app.auth))
            .header("authorization", format!("Bearer {access}"))
            .send()
            .await
            .expect("logout-all"),
    )
    .await;
    answer.assert(200, "{}");
    let answer = app
        .post_json("/api/token/refresh/", &json!({ "refresh": rotated }))
        .await;
    assert_eq!(answer.status, 401, "{}", answer.text);
    assert_eq!(answer.json()["code"], "token_not_valid");
}

async fn new_sqlite_database_is_owner_only(ctx: Arc<Ctx>) {
    use std::os::unix::fs::PermissionsExt;
    if ctx.backend() == Backend::Postgres {
        return; // files are SQLite's; the PostgreSQL half has none to check
    }
    let dir = std::env::temp_dir().join(format!("tp-attack-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("db.sqlite3");
    // auth-service creates the file (`migrate`, as the demo stack does first) ...
    let url = format!("sqlite://{}", path.display());
    let migrate_url = url.clone();
    tokio::task::spawn_blocking(move || tests::db::migrate(&migrate_url))
        .await
        .expect("join")
        .expect("migrate");
    // ... and SQLite gives the files it adds beside it the same mode.
    let mut conn = tests::db::connect(&url);
    conn_batch(
        &mut conn,
        "PRAGMA journal_mode=WAL; CREATE TABLE t (x); INSERT INTO t VALUES (1);",
    );
    let names: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .flatten()
        .map(|f| f.file_name())
        .collect();
    assert!(names.len() >= 2, "no -wal/-shm files beside it: {names:?}");
    for file in std::fs::read_dir(&dir).expect("dir").flatten() {
        let mode = file.metadata().expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}: {mode:o}", file.path().display());
    }
    drop(conn);
    let _ = std::fs::remove_dir_all(&dir);
}

fn conn_batch(conn: &mut DbConnection, sql: &str) {
    conn.batch(sql).expect("sql");
}

async fn slow_body_is_cut(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[("TOKENPAIR__CLIENT_BODY_TIMEOUT", "1")]);
    let started = Instant::now();
    // 100 bytes announced, 10 sent, then silence with the connection open.
    let answer = tests::app::stalled_body(&app.auth, "/api/token/", GENEROUS).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.ends_with(r#"{"detail":"Request body not received in time."}"#),
        "{answer}"
    );
    assert!(started.elapsed() < GENEROUS);
}

async fn stopped_database_answers_503_at_once(ctx: Arc<Ctx>) {
    if ctx.backend() == Backend::Sqlite {
        return; // an embedded file has no server to stop
    }
    let proxy = ChaosProxy::start(upstream_of(&ctx.db.url)).expect("proxy");
    let app = ctx.spawn(&[("DATABASE_URL", &proxy.url_through(&ctx.db.url))]);
    app.create_user("kyoko", "contrasenasegura");
    let (_, access) = app.obtain("kyoko", "contrasenasegura").await;
    proxy.cut();
    let login = || app.post_form("/api/token/", &[("username", "kyoko"), ("password", "x")]);
    login().await.assert(503, UNAVAILABLE);
    let started = Instant::now();
    login().await.assert(503, UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    app.protected(Some(&format!("Bearer {access}")))
        .await
        .assert(200, PROTECTED);
    proxy.restore();
    let restored = Instant::now();
    while login().await.status == 503 {
        assert!(restored.elapsed() < GENEROUS, "no recovery");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn held_lock_answers_503(ctx: Arc<Ctx>) {
    if ctx.backend() == Backend::Sqlite {
        return; // SQLite's version is outage::held_lock_answers_503_after_the_statement_timeout
    }
    let app = ctx.spawn(&[("TOKENPAIR__DB_STATEMENT_TIMEOUT", "1")]);
    app.create_user("kyoko", "contrasenasegura");
    let mut locker = app.db.connect();
    conn_batch(
        &mut locker,
        "BEGIN; LOCK TABLE auth_user IN ACCESS EXCLUSIVE MODE;",
    );
    let started = Instant::now();
    let answer = app
        .post_form(
            "/api/token/",
            &[("username", "kyoko"), ("password", "contrasenasegura")],
        )
        .await;
    answer.assert(503, UNAVAILABLE);
    assert!(started.elapsed() < GENEROUS, "{:?}", started.elapsed());
    conn_batch(&mut locker, "ROLLBACK;");
}
