//! The README's first command: the whole stack on one database, and the curl
//! session it prints, run as printed.

use std::sync::Arc;

use tests::app::TEST_SECRET_KEY;
use tests::{Backend, Ctx, e2e, harness::E2e};
use tokenpair::{DemoUser, Options, Stack};

pub fn tests() -> Vec<E2e> {
    e2e![
        printed_curl_session_works_unchanged,
        refuses_non_loopback_addresses
    ]
}

fn options() -> Options {
    Options {
        config: None,
        auth_bind: "127.0.0.1:0".into(),
        protected_bind: "127.0.0.1:0".into(),
    }
}

async fn printed_curl_session_works_unchanged(ctx: Arc<Ctx>) {
    let mut env = vec![("DATABASE_URL".to_owned(), ctx.db.url.clone())];
    if ctx.backend() == Backend::Postgres {
        // no database file to keep a key beside: use the environment's
        env.push(("SECRET_KEY".to_owned(), TEST_SECRET_KEY.to_owned()));
    }
    let mut stack = Stack::start(&options(), env.clone())
        .await
        .expect("stack starts");
    assert_eq!(stack.demo_user(), DemoUser::Created);
    let banner = stack.banner();
    assert!(banner.contains(&stack.auth_url) && banner.contains(&stack.protected_url));
    assert!(banner.contains("kyoko / contrasenasegura"));

    let session = stack.curl_session();
    assert!(
        banner.contains(
            &session
                .lines()
                .map(|l| format!("  {l}\n"))
                .collect::<String>()
        )
    );
    let script = session.clone();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("bash")
            .args(["-euc", &script])
            .output()
            .expect("bash and curl are needed to run the printed session")
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "session failed: {stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert_eq!(
        lines[0],
        r#"{"detail":"Authentication credentials were not provided."}"#
    );
    assert!(
        lines[1].starts_with(r#"{"refresh":"eyJ"#) && lines[1].contains(r#","access":"eyJ"#),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], r#"{"content":"This view is protected"}"#);
    assert!(lines[3].starts_with(r#"{"access":"eyJ"#), "{}", lines[3]);
    stack.stop().await;

    // a second start keeps the user and (on SQLite) the generated key
    if ctx.backend() == Backend::Sqlite {
        let key_file = format!("{}.secret-key", ctx.db.url.trim_start_matches("sqlite://"));
        let key = std::fs::read_to_string(&key_file).expect("key kept beside the database");
        assert_eq!(key.len(), tokenpair::signing_key::GENERATED_KEY_CHARS);
        let mut again = Stack::start(&options(), env).await.expect("second start");
        assert_eq!(again.demo_user(), DemoUser::Existing);
        assert_eq!(std::fs::read_to_string(&key_file).unwrap(), key);
        again.stop().await;
    }
}

async fn refuses_non_loopback_addresses(_ctx: Arc<Ctx>) {
    let mut options = options();
    options.auth_bind = "0.0.0.0:0".into();
    let error = Stack::start(&options, vec![]).await.err().expect("refused");
    assert!(error.contains("loopback"), "{error}");
}
