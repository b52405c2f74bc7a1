//! The database failing under a running service: an outage (a TCP proxy in
//! front of the test PostgreSQL, cut and restored), a lock held past the
//! statement timeout, and SIGTERM while a request waits on the database.

use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, OnceLock, mpsc};
use std::time::{Duration, Instant};

use tests::app::{TEST_ITERATIONS, TEST_SECRET_KEY, TestApp, client};
use tests::bodies::UNAVAILABLE;
use tests::chaos_proxy::{ChaosProxy, upstream_of};
use tests::db::{DbConnection, TestDb};
use tests::{Answer, Backend, Ctx, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![
        database_outage_answers_503_at_once_and_recovers_by_itself,
        held_lock_answers_503_after_the_statement_timeout,
        sigterm_lets_the_in_flight_login_finish_then_exits,
        sigterm_past_the_grace_exits_and_writes_no_row,
    ]
}

async fn login(app: &TestApp) -> (Answer, Duration) {
    let start = Instant::now();
    let answer = app
        .post_form(
            "/api/token/",
            &[("username", "kyoko"), ("password", "contrasenasegura")],
        )
        .await;
    (answer, start.elapsed())
}

#[track_caller]
fn assert_unavailable(answer: &Answer) {
    answer.assert(503, UNAVAILABLE);
    assert_eq!(answer.header("retry-after"), Some("1"));
}

async fn database_outage_answers_503_at_once_and_recovers_by_itself(ctx: Arc<Ctx>) {
    if ctx.backend() == Backend::Sqlite {
        // An embedded SQLite file has no server to lose; its timeouts are covered by
        // held_lock_answers_503_after_the_statement_timeout.
        return;
    }
    let proxy = ChaosProxy::start(upstream_of(&ctx.db.url)).expect("proxy");
    let through_proxy = proxy.url_through(&ctx.db.url);
    let app = ctx.spawn(&[("DATABASE_URL", &through_proxy)]);
    app.create_user("kyoko", "contrasenasegura");
    let (refresh, access) = app.obtain("kyoko", "contrasenasegura").await;
    let bearer = format!("Bearer {access}");
    app.protected(Some(&bearer))
        .await
        .assert(200, r#"{"content":"This view is protected"}"#);

    proxy.cut();
    let mut latencies = Vec::new();
    for _ in 0..8 {
        let (answer, took) = login(&app).await;
        assert_unavailable(&answer);
        latencies.push(took);
    }
    // the first may wait for the failed reconnection; from then on the service knows
    for (i, took) in latencies.iter().enumerate().skip(4) {
        assert!(
            *took < Duration::from_secs(1),
            "login {i} during the outage took {took:?}"
        );
    }
    let start = Instant::now();
    let answer = app
        .post_json(
            "/api/token/refresh/",
            &serde_json::json!({"refresh": refresh}),
        )
        .await;
    let refresh_took = start.elapsed();
    assert_unavailable(&answer);
    assert!(refresh_took < Duration::from_secs(1), "{refresh_took:?}");
    // protected-service has no database: unaffected
    app.protected(Some(&bearer))
        .await
        .assert(200, r#"{"content":"This view is protected"}"#);

    proxy.restore();
    let restored = Instant::now();
    loop {
        let (answer, _) = login(&app).await;
        if answer.status == 200 {
            break;
        }
        assert_unavailable(&answer);
        assert!(
            restored.elapsed() < Duration::from_secs(10),
            "still 503 {:?} after the database came back",
            restored.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let recovery = restored.elapsed();
    let answer = app
        .post_json(
            "/api/token/refresh/",
            &serde_json::json!({"refresh": refresh}),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    eprintln!(
        "outage: 503 latencies {:?}, refresh {refresh_took:?}, serving again {recovery:?} after restore",
        latencies
    );
}

/// A transaction on its own connection that locks what logins read, until
/// released or `hold` has passed.
struct HeldLock {
    release: mpsc::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl HeldLock {
    async fn take(db: &TestDb, hold: Duration) -> Self {
        let url = db.url.clone();
        let (locked_tx, locked_rx) = mpsc::channel();
        let (release, release_rx) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || {
            let mut conn = tests::db::connect(&url);
            let locked = match &conn {
                DbConnection::Postgres(_) => {
                    conn.batch("BEGIN; LOCK TABLE auth_user IN ACCESS EXCLUSIVE MODE")
                }
                // no WAL: an exclusive lock keeps readers out too
                DbConnection::Sqlite(_) => conn.batch("BEGIN EXCLUSIVE"),
            };
            locked_tx.send(locked.map_err(|e| e.to_string())).ok();
            let _ = release_rx.recv_timeout(hold);
            let _ = conn.batch("ROLLBACK");
        });
        let locked = tokio::task::spawn_blocking(move || locked_rx.recv())
            .await
            .expect("join");
        locked.expect("lock thread").expect("lock taken");
        Self { release, thread }
    }

    async fn release(self) {
        self.release.send(()).ok();
        tokio::task::spawn_blocking(move || self.thread.join())
            .await
            .expect("join")
            .expect("lock thread");
    }
}

async fn held_lock_answers_503_after_the_statement_timeout(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[
        ("TOKENPAIR__DB_STATEMENT_TIMEOUT", "1s"),
        ("SIMPLE_JWT__ROTATE_REFRESH_TOKENS", "true"),
        ("SIMPLE_JWT__BLACKLIST_AFTER_ROTATION", "true"),
    ]);
    app.create_user("kyoko", "contrasenasegura");
    let (refresh, _) = app.obtain("kyoko", "contrasenasegura").await;

    // without a statement timeout these would wait for the lock (a minute here)
    let lock = HeldLock::take(&ctx.db, Duration::from_secs(60)).await;
    let (answer, took) = login(&app).await;
    assert_unavailable(&answer);
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(10),
        "login answered 503 after {took:?}: not the 1 s statement timeout"
    );
    // a rotation (reads the user, then writes) gets the same answer
    let start = Instant::now();
    let answer = app
        .post_json(
            "/api/token/refresh/",
            &serde_json::json!({"refresh": refresh}),
        )
        .await;
    assert_unavailable(&answer);
    let refresh_took = start.elapsed();
    assert!(refresh_took < Duration::from_secs(10), "{refresh_took:?}");
    lock.release().await;

    let (answer, _) = login(&app).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let answer = app
        .post_json(
            "/api/token/refresh/",
            &serde_json::json!({"refresh": refresh}),
        )
        .await;
    assert_eq!(
        answer.status, 200,
        "the refused rotation left the token usable: {}",
        answer.text
    );
    eprintln!(
        "{}: statement timeout 1s, login 503 after {took:?}, refresh 503 after {refresh_took:?}",
        ctx.backend().name()
    );
}

/// The real `auth-service` binary, built if needed: `cargo test -p tests` builds
/// only this package's binaries (and `CARGO_BIN_EXE_*` names only those).
fn auth_service_binary() -> Result<PathBuf, String> {
    static BINARY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BINARY
        .get_or_init(|| {
            let exe = std::env::current_exe().map_err(|e| e.to_string())?;
            // target/<profile>/deps/e2e-<hash>
            let profile_dir = exe
                .parent()
                .and_then(|deps| deps.parent())
                .ok_or("test binary outside target/<profile>/deps")?;
            let target_dir = profile_dir.parent().ok_or("no target directory")?;
            let mut build = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
            build
                .args([
                    "build",
                    "--quiet",
                    "-p",
                    "auth-service",
                    "--bin",
                    "auth-service",
                ])
                .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
                .env("CARGO_TARGET_DIR", target_dir);
            if profile_dir.ends_with("release") {
                build.arg("--release");
            }
            let status = build.status().map_err(|e| format!("cargo build: {e}"))?;
            if !status.success() {
                return Err(format!("cargo build -p auth-service: {status}"));
            }
            Ok(profile_dir.join("auth-service"))
        })
        .clone()
}

/// `auth-service serve` as its own process, with its log in a file.
struct Served {
    child: Child,
    url: String,
    log: PathBuf,
}

impl Served {
    async fn start(db: &TestDb, grace: &str) -> Self {
        let binary = tokio::task::spawn_blocking(auth_service_binary)
            .await
            .expect("join")
            .expect("auth-service binary");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let log =
            std::env::temp_dir().join(format!("tp-outage-{}.log", uuid::Uuid::new_v4().simple()));
        let log_file = std::fs::File::create(&log).expect("log file");
        let child = Command::new(binary)
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("SECRET_KEY", TEST_SECRET_KEY)
            .env("DATABASE_URL", &db.url)
            .env("TOKENPAIR__PBKDF2_ITERATIONS", TEST_ITERATIONS.to_string())
            .env("TOKENPAIR__WORKERS", "1")
            .env("TOKENPAIR__SHUTDOWN_GRACE", grace)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("start auth-service");
        let served = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
            log,
        };
        let client = client();
        let start = Instant::now();
        loop {
            let health = client.get(format!("{}/healthz", served.url)).send().await;
            if health.is_ok_and(|r| r.status() == 200) {
                return served;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "auth-service did not start: {}",
                served.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn sigterm(&self) {
        let pid = libc::pid_t::try_from(self.child.id()).expect("pid");
        // SAFETY: kill(2) on our own child's pid has no memory effects.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    }

    /// The exit status within `max`, or None.
    async fn exit_within(&mut self, max: Duration) -> Option<ExitStatus> {
        let start = Instant::now();
        while start.elapsed() < max {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.log);
    }
}

/// A user made as `create_user` makes one, without starting an app.
fn create_kyoko(db: &TestDb) -> i32 {
    tests::app::create_user(db, "kyoko", "contrasenasegura")
}

fn outstanding_rows(db: &TestDb, user_id: i32) -> i64 {
    db.count(&format!(
        "token_blacklist_outstandingtoken WHERE user_id = {user_id}"
    ))
}

async fn send_login(url: &str) -> tokio::task::JoinHandle<Result<Answer, String>> {
    let request = client()
        .post(format!("{url}/api/token/"))
        .form(&[("username", "kyoko"), ("password", "contrasenasegura")]);
    tokio::spawn(async move {
        match request.send().await {
            Ok(response) => Ok(Answer::read(response).await),
            Err(e) => Err(e.to_string()),
        }
    })
}

async fn sigterm_lets_the_in_flight_login_finish_then_exits(ctx: Arc<Ctx>) {
    let user_id = create_kyoko(&ctx.db);
    let mut served = Served::start(&ctx.db, "5s").await;
    // the login waits ~2 s on the lock, well within the 5 s grace and the 5 s statement timeout
    let lock = HeldLock::take(&ctx.db, Duration::from_secs(2)).await;
    let in_flight = send_login(&served.url).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sigterm = Instant::now();
    served.sigterm();
    let answer = in_flight.await.expect("join");
    let answered = sigterm.elapsed();
    let answer = answer.unwrap_or_else(|e| {
        panic!(
            "the in-flight login got no answer ({e}): {}",
            served.log_text()
        )
    });
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(answer.field("refresh").starts_with("eyJ"));
    lock.release().await;
    let status = served
        .exit_within(Duration::from_secs(5 + 5))
        .await
        .unwrap_or_else(|| panic!("still running 10 s after SIGTERM: {}", served.log_text()));
    let exited = sigterm.elapsed();
    assert!(status.success(), "{status}: {}", served.log_text());
    assert_eq!(outstanding_rows(&ctx.db, user_id), 1);
    eprintln!(
        "{}: SIGTERM → in-flight login answered after {answered:?}, process exited after {exited:?}",
        ctx.backend().name()
    );
}

async fn sigterm_past_the_grace_exits_and_writes_no_row(ctx: Arc<Ctx>) {
    let user_id = create_kyoko(&ctx.db);
    let mut served = Served::start(&ctx.db, "1s").await;
    // held past the grace: the process must not wait for it
    let hold = Duration::from_secs(6);
    let lock = HeldLock::take(&ctx.db, hold).await;
    let locked = Instant::now();
    let in_flight = send_login(&served.url).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sigterm = Instant::now();
    served.sigterm();
    let status = served
        .exit_within(Duration::from_secs(1 + 3))
        .await
        .unwrap_or_else(|| {
            panic!(
                "still running 4 s after SIGTERM (grace 1 s): {}",
                served.log_text()
            )
        });
    let exited = sigterm.elapsed();
    assert!(
        locked.elapsed() < hold,
        "exited only after the lock was released: the test proves nothing"
    );
    assert!(status.success(), "{status}: {}", served.log_text());
    let answer = in_flight.await.expect("join");
    assert!(answer.is_err(), "an answer after the grace: {answer:?}");
    lock.release().await;
    // the statement that waited on the lock had no process left to finish its work
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(outstanding_rows(&ctx.db, user_id), 0);
    eprintln!(
        "{}: SIGTERM with a request stuck past the 1 s grace: exited after {exited:?}, no row",
        ctx.backend().name()
    );
}
