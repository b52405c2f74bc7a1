//! The real binary: help on every command, and settings errors as one line
//! naming the setting, with a non-zero exit.

use std::process::{Command, Output};

/// Long enough for HS256 (32 bytes).
const KEY: &str = "auth-service-cli-test-key-0123456789abcdef";

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_auth-service"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("auth-service runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn every_command_has_help() {
    for command in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
        &["createsuperuser", "--help"],
        &["createuser", "--help"],
        &["changepassword", "--help"],
        &["flushexpiredtokens", "--help"],
        &["check", "--help"],
    ] {
        let output = run(command, &[]);
        assert!(output.status.success(), "{command:?}: {}", stderr(&output));
        assert!(String::from_utf8_lossy(&output.stdout).contains("Usage: auth-service"));
    }
    let serve = run(&["serve", "--help"], &[]);
    assert!(String::from_utf8_lossy(&serve.stdout).contains("127.0.0.1:8000"));
    let noinput = run(&["createsuperuser", "--help"], &[]);
    assert!(String::from_utf8_lossy(&noinput.stdout).contains("--noinput"));
}

#[test]
fn settings_errors_are_one_line_naming_the_setting() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[], "SIGNING_KEY"),
        (
            &[
                ("SECRET_KEY", KEY),
                ("SIMPLE_JWT__ACCESS_TOKEN_LIFETIME", "abc"),
            ],
            "SIMPLE_JWT__ACCESS_TOKEN_LIFETIME",
        ),
        (
            &[("SECRET_KEY", KEY), ("SIMPLE_JWT__ALGORITHM", "XX256")],
            "Unrecognized algorithm type 'XX256'",
        ),
        (
            &[
                ("SECRET_KEY", KEY),
                ("SIMPLE_JWT__ROTATE_REFRESH_TOKENS", "maybe"),
            ],
            "SIMPLE_JWT__ROTATE_REFRESH_TOKENS",
        ),
        (
            &[("SECRET_KEY", KEY), ("TOKENPAIR__NO_SUCH_THING", "1")],
            "TOKENPAIR__NO_SUCH_THING",
        ),
        (
            &[("SECRET_KEY", KEY), ("DATABASE_URL", "mysql://x")],
            "DATABASE_URL",
        ),
    ];
    for (env, named) in cases {
        let output = run(&["check"], env);
        assert_eq!(output.status.code(), Some(1), "{env:?}");
        let text = stderr(&output);
        assert_eq!(text.trim_end().lines().count(), 1, "one line: {text:?}");
        assert!(
            text.contains(named),
            "{env:?}: {text:?} should name {named}"
        );
    }
}

#[test]
fn migrate_check_and_createsuperuser_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("tp-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("db.sqlite3").display());
    let base = [
        ("SECRET_KEY", KEY),
        ("DATABASE_URL", url.as_str()),
        ("TOKENPAIR__PBKDF2_ITERATIONS", "1000"),
    ];
    let unmigrated = run(&["check"], &base);
    assert_eq!(unmigrated.status.code(), Some(1));
    assert!(
        stderr(&unmigrated).contains("auth-service migrate"),
        "{}",
        stderr(&unmigrated)
    );
    assert!(run(&["migrate"], &base).status.success());
    let again = run(&["migrate"], &base);
    assert_eq!(
        String::from_utf8_lossy(&again.stdout).trim(),
        "No migrations to apply."
    );
    let check = run(&["check"], &base);
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(String::from_utf8_lossy(&check.stdout).contains("System check identified no issues"));

    let mut env = base.to_vec();
    env.push(("DJANGO_SUPERUSER_PASSWORD", "contrasenasegura"));
    let created = run(
        &[
            "createsuperuser",
            "--noinput",
            "--username",
            "kyoko",
            "--email",
            "kyoko@Example.COM",
        ],
        &env,
    );
    assert!(created.status.success(), "{}", stderr(&created));
    assert_eq!(
        String::from_utf8_lossy(&created.stdout).trim(),
        "Superuser created successfully."
    );
    let taken = run(
        &[
            "createsuperuser",
            "--noinput",
            "--username",
            "kyoko",
            "--email",
            "k@example.com",
        ],
        &env,
    );
    assert_eq!(taken.status.code(), Some(1));
    assert_eq!(
        stderr(&taken).trim(),
        "Error: That username is already taken."
    );
    let missing = run(
        &["createsuperuser", "--noinput", "--email", "k@example.com"],
        &base,
    );
    assert_eq!(
        stderr(&missing).trim(),
        "CommandError: You must use --username with --noinput."
    );
    // not a TTY and no --noinput: skipped like Django, exit 0
    let skipped = run(&["createsuperuser"], &base);
    assert!(skipped.status.success());
    assert!(
        String::from_utf8_lossy(&skipped.stdout).contains("skipped due to not running in a TTY")
    );
    assert!(run(&["flushexpiredtokens"], &base).status.success());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `serve` that does not exit by itself is killed (and the test fails) instead of hanging.
fn serve_until_exit(env: &[(&str, &str)]) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_auth-service"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env_clear()
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("auth-service runs");
    let pid = child.id();
    let (done, waited) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = done.send(child.wait_with_output());
    });
    match waited.recv_timeout(std::time::Duration::from_secs(60)) {
        Ok(output) => output.expect("auth-service output"),
        Err(_) => {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            panic!("serve with a weak key did not exit")
        }
    }
}

#[test]
fn weak_hmac_keys_are_refused_unless_allowed() {
    let weak = [("SECRET_KEY", "short-key")];
    let expected = "SECRET_KEY: 9 bytes is too short for HS256 (at least 32); make one with: \
                    openssl rand -base64 48";
    for output in [run(&["check"], &weak), serve_until_exit(&weak)] {
        assert_eq!(output.status.code(), Some(1));
        let text = stderr(&output);
        assert_eq!(text.trim_end().lines().count(), 1, "one line: {text:?}");
        assert!(text.starts_with(expected), "{text}");
        assert!(!text.contains("short-key"), "the key is printed: {text}");
    }
    // SIGNING_KEY is named when it is the key in use
    let long = "s".repeat(64);
    let signing = run(
        &["check"],
        &[
            ("SECRET_KEY", long.as_str()),
            ("SIMPLE_JWT__SIGNING_KEY", &long[..47]),
            ("SIMPLE_JWT__ALGORITHM", "HS384"),
        ],
    );
    assert_eq!(signing.status.code(), Some(1));
    assert!(
        stderr(&signing)
            .starts_with("SIMPLE_JWT.SIGNING_KEY: 47 bytes is too short for HS384 (at least 48)"),
        "{}",
        stderr(&signing)
    );

    let dir = std::env::temp_dir().join(format!("tp-cli-weak-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("db.sqlite3").display());
    let allowed = [
        ("SECRET_KEY", "short-key"),
        ("TOKENPAIR__ALLOW_WEAK_KEY", "true"),
        ("DATABASE_URL", url.as_str()),
    ];
    assert!(run(&["migrate"], &allowed).status.success());
    let check = run(&["check"], &allowed);
    let text = stderr(&check);
    assert!(check.status.success(), "{text}");
    assert!(
        text.contains(
            "WARNING: SECRET_KEY: 9 bytes is too short for HS256 (at least 32), accepted because \
             TOKENPAIR.ALLOW_WEAK_KEY is on"
        ),
        "{text}"
    );
    assert!(!text.contains("short-key"), "the key is printed: {text}");
    let _ = std::fs::remove_dir_all(&dir);
}
