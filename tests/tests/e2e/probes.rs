//! The probes an orchestrator uses: `/readyz` (ready only while the database
//! answers), the `healthcheck` verb that compose runs in place of curl, and
//! `migrate` waiting for a database that is not up yet (TOKENPAIR__DB_WAIT).

use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tests::app::TEST_SECRET_KEY;
use tests::chaos_proxy::{ChaosProxy, upstream_of};
use tests::{Backend, Ctx, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![
        healthcheck_exits_0_when_ready_and_1_otherwise,
        readyz_says_503_while_the_database_is_cut,
        migrate_waits_for_a_database_that_appears,
    ]
}

const READY: &str = r#"{"status":"ready"}"#;

/// `auth-service ARGS` as its own process with only `env` (and PATH).
async fn auth_service(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_auth-service-cli"));
    command.args(args).env_clear().envs(env.iter().copied());
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .expect("run auth-service")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A loopback port nothing listens on (just released).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("address").port()
}

async fn healthcheck_exits_0_when_ready_and_1_otherwise(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    for base in [&app.auth, &app.protected] {
        let url = format!("{base}/readyz");
        app.get(&url).await.assert(200, READY);
        let ok = auth_service(&["healthcheck", "--url", &url], &[]).await;
        assert!(ok.status.success(), "{url}: {}", stderr(&ok));
        assert_eq!(stderr(&ok), "");
    }
    // /healthz is unchanged: liveness, whatever the database does
    app.get(&format!("{}/healthz", app.auth))
        .await
        .assert(200, r#"{"status":"ok"}"#);

    // a 404 is not healthy either
    let url = format!("{}/nothing-here", app.auth);
    let missing = auth_service(&["healthcheck", "--url", &url], &[]).await;
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(
        stderr(&missing),
        format!("healthcheck {url}: HTTP/1.1 404 Not Found\n")
    );

    // nothing listening: a one-line reason, exit 1, well within the 3 s timeout
    let url = format!("http://127.0.0.1:{}/readyz", closed_port());
    let started = Instant::now();
    let closed = auth_service(&["healthcheck", "--url", &url], &[]).await;
    assert_eq!(closed.status.code(), Some(1));
    let reason = stderr(&closed);
    assert!(
        reason.starts_with(&format!("healthcheck {url}: cannot connect")),
        "{reason}"
    );
    assert_eq!(reason.lines().count(), 1, "{reason}");
    assert!(started.elapsed() < Duration::from_secs(3));

    // no settings are read: a broken configuration does not make the probe lie
    let default = auth_service(&["healthcheck"], &[("TOKENPAIR__WORKERS", "x")]).await;
    let reason = stderr(&default);
    assert!(
        reason.starts_with("healthcheck http://127.0.0.1:8000/readyz: "),
        "{reason}"
    );
}

async fn readyz_says_503_while_the_database_is_cut(ctx: Arc<Ctx>) {
    if ctx.backend() == Backend::Sqlite {
        // an embedded file has no server to lose
        return;
    }
    let proxy = ChaosProxy::start(upstream_of(&ctx.db.url)).expect("proxy");
    let through_proxy = proxy.url_through(&ctx.db.url);
    let app = ctx.spawn(&[
        ("DATABASE_URL", &through_proxy),
        ("TOKENPAIR__DB_POOL_TIMEOUT", "2s"),
    ]);
    let ready = format!("{}/readyz", app.auth);
    app.get(&ready).await.assert(200, READY);

    proxy.cut();
    for _ in 0..3 {
        let started = Instant::now();
        let answer = app.get(&ready).await;
        let took = started.elapsed();
        assert_eq!(answer.status, 503, "{}", answer.text);
        let detail = answer.json()["detail"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(detail.starts_with("Not ready: the database "), "{detail}");
        assert_eq!(answer.json().as_object().map(|o| o.len()), Some(1));
        // bounded by DB_POOL_TIMEOUT, however the connection died
        assert!(took < Duration::from_millis(2500), "/readyz took {took:?}");
    }
    let probe = auth_service(&["healthcheck", "--url", &ready], &[]).await;
    assert_eq!(probe.status.code(), Some(1));
    assert_eq!(
        stderr(&probe),
        format!("healthcheck {ready}: HTTP/1.1 503 Service Unavailable\n")
    );
    // protected-service needs no database: still ready
    app.get(&format!("{}/readyz", app.protected))
        .await
        .assert(200, READY);

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let answer = app.get(&ready).await;
        if answer.status == 200 {
            answer.assert(200, READY);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not ready again: {}",
            answer.text
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `url` with a password in its credentials (the test server trusts and never asks for it).
fn with_password(url: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    match rest.rsplit_once('@') {
        Some((user, location)) => {
            let user = user.split(':').next().unwrap_or(user);
            format!("{scheme}://{user}:{password}@{location}")
        }
        None => format!("{scheme}://postgres:{password}@{rest}"),
    }
}

async fn migrate_waits_for_a_database_that_appears(ctx: Arc<Ctx>) {
    if ctx.backend() == Backend::Sqlite {
        return;
    }
    const PASSWORD: &str = "hunter2-not-logged";
    let proxy = ChaosProxy::start(upstream_of(&ctx.db.url)).expect("proxy");
    let url = with_password(&proxy.url_through(&ctx.db.url), PASSWORD);
    let env = |wait: &'static str| {
        vec![
            ("SECRET_KEY", TEST_SECRET_KEY),
            ("DATABASE_URL", url.as_str()),
            ("TOKENPAIR__DB_WAIT", wait),
        ]
    };
    proxy.cut();

    // 0: no wait, the first refusal is the answer
    let started = Instant::now();
    let at_once = auth_service(&["migrate"], &env("0")).await;
    assert_eq!(at_once.status.code(), Some(1), "{}", stderr(&at_once));
    assert!(started.elapsed() < Duration::from_secs(3));
    assert!(stderr(&at_once).starts_with("DATABASE_URL: "));

    // a database that appears within the wait: one log line naming it, then the migration
    let waiting = tokio::spawn({
        let env = env("20s");
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        async move {
            let env: Vec<(&str, &str)> =
                env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            auth_service(&["migrate"], &env).await
        }
    });
    tokio::time::sleep(Duration::from_secs(3)).await;
    proxy.restore();
    let migrated = waiting.await.expect("join");
    let log = stderr(&migrated);
    assert!(migrated.status.success(), "{log}");
    assert!(
        log.contains("waiting for the database to accept connections"),
        "{log}"
    );
    assert!(log.contains("database reachable"), "{log}");
    assert!(log.contains(":***@"), "the database is named: {log}");
    assert!(!log.contains(PASSWORD), "{log}");
    // attempts every second, a line at most every five: not one line per attempt
    let lines = log.matches("waiting for the database").count();
    assert!((1..=2).contains(&lines), "{log}");
    assert!(
        String::from_utf8_lossy(&migrated.stdout).contains("No migrations to apply."),
        "{}",
        String::from_utf8_lossy(&migrated.stdout)
    );
}
