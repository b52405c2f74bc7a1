//! The revocation feed (issue 11): a revocation on auth-service reaches a separately started
//! protected-service that follows `TOKENPAIR__REVOCATION_URL`, within the 2 s the issue
//! allows; what it does while the feed is down; what a new one loads; two auth replicas.

use actix_web::dev::ServerHandle;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tests::bodies::{REVOKED, SLIDING, SLIDING_REFRESH};
use tests::{Ctx, TestApp, app::client};

const SECRET: &str = "revocation-feed-secret-for-tests-0123456789";
const PATH: &str = "/api/token/revocations/";
const PASSWORD: &str = "correct horse";
/// The issue's bound on the revocation delay.
const WITHIN: Duration = Duration::from_secs(2);

/// An auth-service serving the feed, kept apart so a test can stop it.
fn start_auth(ctx: &Ctx, overrides: &[(&str, &str)]) -> (String, ServerHandle) {
    let mut env = vec![("TOKENPAIR__REVOCATION_SECRET", SECRET)];
    env.extend_from_slice(overrides);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let app = auth_service::Application::build(ctx.settings(&env), listener)
        .unwrap_or_else(|e| panic!("auth-service failed to start: {e}"));
    let url = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    tokio::spawn(app.run_until_stopped());
    (url, handle)
}

/// A protected-service following `auth`'s feed, once ready (its snapshot loaded).
async fn start_protected(ctx: &Ctx, auth: &str, overrides: &[(&str, &str)]) -> String {
    let feed = format!("{auth}{PATH}");
    let mut env = vec![
        ("TOKENPAIR__REVOCATION_SECRET", SECRET),
        ("TOKENPAIR__REVOCATION_URL", feed.as_str()),
    ];
    env.extend_from_slice(overrides);
    let url = ctx.spawn_protected(ctx.settings(&env));
    let ready = format!("{url}/readyz");
    let started = Instant::now();
    loop {
        let status = client()
            .get(&ready)
            .send()
            .await
            .map(|r| r.status().as_u16());
        if matches!(status, Ok(200)) {
            return url;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "protected-service never ready: {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn app(ctx: &Ctx, auth: String, protected: String) -> TestApp {
    TestApp {
        auth,
        protected,
        client: client(),
        db: ctx.db.clone(),
        settings: ctx.settings(&[]),
    }
}

/// Poll `/protected/` with `token` every 50 ms until it answers 401 "revoked"; the delay.
async fn revoked_within(app: &TestApp, token: &str, limit: Duration) -> Duration {
    let started = Instant::now();
    let bearer = format!("Bearer {token}");
    loop {
        let answer = app.protected(Some(&bearer)).await;
        if answer.status == 401 {
            answer.assert_401(REVOKED);
            return started.elapsed();
        }
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert!(started.elapsed() <= limit, "still accepted after {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Tokens issued in a revocation's second are revoked too: step past it.
async fn next_second() {
    tokio::time::sleep(Duration::from_millis(1100)).await;
}

async fn assert_ok(app: &TestApp, token: &str) {
    let answer = app.protected(Some(&format!("Bearer {token}"))).await;
    answer.assert(200, r#"{"content":"This view is protected"}"#);
}

pub async fn logout_all_reaches_protected_service(ctx: Arc<Ctx>) {
    let (auth, _handle) = start_auth(&ctx, &[]);
    let protected = start_protected(&ctx, &auth, &[]).await;
    let app = app(&ctx, auth, protected);
    app.create_user("alice", PASSWORD);
    let (_, access) = app.obtain("alice", PASSWORD).await;
    assert_ok(&app, &access).await;
    assert_eq!(app.logout_all(&access).await.status, 200);
    revoked_within(&app, &access, WITHIN).await;
    next_second().await;
    let (_, fresh) = app.obtain("alice", PASSWORD).await;
    assert_ok(&app, &fresh).await;
}

/// `auth-service changepassword` in a process of its own, on a terminal (it prompts on
/// /dev/tty, as Django's does): `script` gives it one, fed from our stdin.
async fn change_password(ctx: &Ctx, username: &str, password: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let binary = env!("CARGO_BIN_EXE_auth-service-cli");
    let mut command = Command::new("script");
    command
        .args([
            "-qec",
            &format!("{binary} changepassword {username}"),
            "/dev/null",
        ])
        .env("DATABASE_URL", &ctx.db.url)
        .env("SECRET_KEY", tests::app::TEST_SECRET_KEY)
        .env("TOKENPAIR__PBKDF2_ITERATIONS", "1000")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let input = format!("{password}\n{password}\n");
    let output = tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().expect("script(1) runs");
        let mut stdin = child.stdin.take().expect("stdin");
        // one line per prompt, after it is shown (the terminal's echo is switched off then)
        for line in input.split_inclusive('\n') {
            std::thread::sleep(Duration::from_millis(700));
            stdin.write_all(line.as_bytes()).expect("write");
        }
        std::thread::sleep(Duration::from_millis(700));
        drop(stdin);
        child.wait_with_output().expect("wait")
    })
    .await
    .expect("join");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("Password changed successfully"),
        "changepassword failed: {stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

pub async fn changepassword_reaches_protected_service(ctx: Arc<Ctx>) {
    let (auth, _handle) = start_auth(&ctx, &[]);
    let protected = start_protected(&ctx, &auth, &[]).await;
    let app = app(&ctx, auth, protected);
    app.create_user("bob", PASSWORD);
    let (_, access) = app.obtain("bob", PASSWORD).await;
    assert_ok(&app, &access).await;
    let new_password = "Tr0ub4dor&3-staple-battery";
    change_password(&ctx, "bob", new_password).await;
    revoked_within(&app, &access, WITHIN).await;
    next_second().await;
    let (_, fresh) = app.obtain("bob", new_password).await;
    assert_ok(&app, &fresh).await;
}

pub async fn blacklisted_sliding_token_reaches_protected_service(ctx: Arc<Ctx>) {
    let sliding = [
        ("SIMPLE_JWT__AUTH_TOKEN_CLASSES", "SlidingToken"),
        ("SIMPLE_JWT__CHECK_REVOKE_TOKEN", "true"),
    ];
    let (auth, _handle) = start_auth(&ctx, &sliding);
    let protected = start_protected(&ctx, &auth, &sliding).await;
    let app = app(&ctx, auth, protected);
    let id = app.create_user("carol", PASSWORD);
    let login = app
        .post_form(SLIDING, &[("username", "carol"), ("password", PASSWORD)])
        .await;
    assert_eq!(login.status, 200, "{}", login.text);
    let token = login.field("token");
    let (_, other) = {
        let again = app
            .post_form(SLIDING, &[("username", "carol"), ("password", PASSWORD)])
            .await;
        ((), again.field("token"))
    };
    assert_ok(&app, &token).await;
    // The password changes behind auth-service's back (no per-user revocation is published);
    // renewing the token then blacklists it (CHECK_REVOKE_TOKEN): that jti is published.
    let hash = django_hashers::make_password("changed elsewhere", &tests::app::test_hasher());
    app.set_password(id, &hash);
    let renewal = app
        .post_json(SLIDING_REFRESH, &serde_json::json!({ "token": token }))
        .await;
    assert_eq!(renewal.status, 401, "{}", renewal.text);
    revoked_within(&app, &token, WITHIN).await;
    // only that token: the other one of the same user is still accepted
    assert_ok(&app, &other).await;
}

pub async fn feed_refuses_readers_without_the_secret(ctx: Arc<Ctx>) {
    let (auth, _handle) = start_auth(&ctx, &[]);
    let client = client();
    let url = format!("{auth}{PATH}");
    let get = |authorization: Option<String>| {
        let mut request = client.get(&url);
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        async move { tests::Answer::read(request.send().await.expect("GET")).await }
    };
    get(None)
        .await
        .assert_401(r#"{"detail":"Authentication credentials were not provided."}"#);
    let wrong = r#"{"detail":"Incorrect authentication credentials."}"#;
    get(Some("Bearer wrong".into())).await.assert_401(wrong);
    get(Some(format!("Bearer {SECRET}x")))
        .await
        .assert_401(wrong);
    get(Some(SECRET.into())).await.assert_401(wrong);
    let answer = get(Some(format!("Bearer {SECRET}"))).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let page = answer.json();
    assert_eq!(page["events"], serde_json::json!([]));
    assert_eq!(page["more"], false);
    let bad = tests::Answer::read(
        client
            .get(format!("{url}?after=x"))
            .header("authorization", format!("Bearer {SECRET}"))
            .send()
            .await
            .expect("GET"),
    )
    .await;
    bad.assert(400, r#"{"after":["A valid integer is required."]}"#);
    // without the secret the feed does not exist
    let plain = ctx.spawn(&[]);
    plain
        .get(&format!("{}{PATH}", plain.auth))
        .await
        .assert(404, r#"{"detail":"Not found."}"#);
}

pub async fn feed_down_keeps_the_last_state(ctx: Arc<Ctx>) {
    let (auth, handle) = start_auth(&ctx, &[]);
    let protected = start_protected(&ctx, &auth, &[]).await;
    let app = app(&ctx, auth, protected);
    app.create_user("dave", PASSWORD);
    app.create_user("erin", PASSWORD);
    let (_, revoked) = app.obtain("dave", PASSWORD).await;
    let (_, valid) = app.obtain("erin", PASSWORD).await;
    assert_eq!(app.logout_all(&revoked).await.status, 200);
    revoked_within(&app, &revoked, WITHIN).await;
    handle.stop(false).await;
    // the feed is gone: protected-service says so, and keeps what it knew
    let metrics = format!("{}/metrics", app.protected);
    let started = Instant::now();
    while !app
        .get(&metrics)
        .await
        .text
        .contains("tokenpair_revocation_feed_up{service=\"protected-service\"} 0")
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "feed never reported down"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_ok(&app, &valid).await;
    app.protected(Some(&format!("Bearer {revoked}")))
        .await
        .assert_401(REVOKED);
    assert_eq!(
        app.get(&format!("{}/readyz", app.protected)).await.status,
        200
    );
}

pub async fn new_protected_service_loads_the_snapshot(ctx: Arc<Ctx>) {
    let (auth, _handle) = start_auth(&ctx, &[]);
    let plain = app(&ctx, auth.clone(), String::new());
    plain.create_user("frank", PASSWORD);
    let (_, access) = plain.obtain("frank", PASSWORD).await;
    assert_eq!(plain.logout_all(&access).await.status, 200);
    next_second().await;
    let (_, fresh) = plain.obtain("frank", PASSWORD).await;
    // started after the revocation: ready only with the snapshot, which has it
    let protected = start_protected(&ctx, &auth, &[]).await;
    let app = app(&ctx, auth, protected);
    app.protected(Some(&format!("Bearer {access}")))
        .await
        .assert_401(REVOKED);
    assert_ok(&app, &fresh).await;
}

pub async fn revocation_on_one_replica_reaches_readers_of_another(ctx: Arc<Ctx>) {
    let (replica_a, _a) = start_auth(&ctx, &[]);
    let (replica_b, _b) = start_auth(&ctx, &[]);
    let protected = start_protected(&ctx, &replica_b, &[]).await;
    let app = app(&ctx, replica_a, protected);
    app.create_user("grace", PASSWORD);
    let (_, access) = app.obtain("grace", PASSWORD).await;
    assert_ok(&app, &access).await;
    // let protected-service's long-poll settle on replica B before revoking on A
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.logout_all(&access).await.status, 200);
    revoked_within(&app, &access, WITHIN).await;
}

/// Before its first snapshot a follower is not ready and refuses tokens (fail closed); a
/// feed URL without the secret is refused at start-up.
pub async fn not_ready_until_the_snapshot(ctx: Arc<Ctx>) {
    // a port nothing listens on: the feed never answers
    let closed = TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr");
    let feed = format!("http://{closed}{PATH}");
    let settings = ctx.settings(&[
        ("TOKENPAIR__REVOCATION_SECRET", SECRET),
        ("TOKENPAIR__REVOCATION_URL", feed.as_str()),
    ]);
    let protected = ctx.spawn_protected(settings);
    let plain = ctx.spawn(&[]);
    plain.create_user("heidi", PASSWORD);
    let (_, access) = plain.obtain("heidi", PASSWORD).await;
    let app = app(&ctx, plain.auth.clone(), protected);
    assert_ok(&plain, &access).await;
    let ready = app.get(&format!("{}/readyz", app.protected)).await;
    assert_eq!(ready.status, 503, "{}", ready.text);
    let answer = app.protected(Some(&format!("Bearer {access}"))).await;
    answer.assert(
        503,
        r#"{"detail":"Service temporarily unavailable, try again later."}"#,
    );
    let no_secret = ctx.settings(&[("TOKENPAIR__REVOCATION_URL", feed.as_str())]);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let error = protected_service::Application::build(no_secret.into(), listener)
        .err()
        .expect("a feed without its secret is refused");
    assert!(error.contains("REVOCATION_SECRET"), "{error}");
}
