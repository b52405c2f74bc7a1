//! The real binary: help, and `check` without any database.

use std::process::{Command, Output};

/// Long enough for HS256 (32 bytes).
const KEY: &str = "protected-service-cli-test-key-0123456789";

fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_protected-service"))
        .args(args)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .expect("protected-service runs")
}

#[test]
fn every_command_has_help() {
    for command in [&["--help"][..], &["serve", "--help"], &["check", "--help"]] {
        let output = run(command, &[]);
        assert!(output.status.success(), "{command:?}");
        assert!(String::from_utf8_lossy(&output.stdout).contains("Usage: protected-service"));
    }
    let serve = run(&["serve", "--help"], &[]);
    assert!(String::from_utf8_lossy(&serve.stdout).contains("127.0.0.1:8001"));
}

#[test]
fn check_needs_only_the_key() {
    let ok = run(&["check"], &[("SECRET_KEY", KEY)]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let warned = run(
        &["check"],
        &[
            ("SECRET_KEY", KEY),
            ("SIMPLE_JWT__CHECK_REVOKE_TOKEN", "true"),
        ],
    );
    assert!(warned.status.success());
    assert!(
        String::from_utf8_lossy(&warned.stderr)
            .contains("CHECK_REVOKE_TOKEN is ignored by protected-service")
    );
    let missing = run(&["check"], &[]);
    assert_eq!(missing.status.code(), Some(1));
    let text = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(text.trim_end().lines().count(), 1);
    assert!(text.contains("SIGNING_KEY"), "{text}");
    let rs256 = run(
        &["check"],
        &[("SECRET_KEY", KEY), ("SIMPLE_JWT__ALGORITHM", "RS256")],
    );
    assert_eq!(rs256.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&rs256.stderr).contains("VERIFYING_KEY"));
}

#[test]
fn weak_hmac_keys_are_refused_unless_allowed() {
    let refused = run(&["check"], &[("SECRET_KEY", "short-key")]);
    assert_eq!(refused.status.code(), Some(1));
    let text = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(text.trim_end().lines().count(), 1, "one line: {text:?}");
    assert!(
        text.starts_with(
            "SECRET_KEY: 9 bytes is too short for HS256 (at least 32); make one with: openssl \
             rand -base64 48"
        ),
        "{text}"
    );
    assert!(!text.contains("short-key"), "the key is printed: {text}");
    // HS512 needs 64 bytes: a key good for HS256 is not enough
    let hs512 = run(
        &["check"],
        &[("SECRET_KEY", KEY), ("SIMPLE_JWT__ALGORITHM", "HS512")],
    );
    assert_eq!(hs512.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&hs512.stderr)
            .starts_with("SECRET_KEY: 41 bytes is too short for HS512 (at least 64)"),
        "{}",
        String::from_utf8_lossy(&hs512.stderr)
    );
    let allowed = run(
        &["check"],
        &[
            ("SECRET_KEY", "short-key"),
            ("TOKENPAIR__ALLOW_WEAK_KEY", "true"),
        ],
    );
    let text = String::from_utf8_lossy(&allowed.stderr);
    assert!(allowed.status.success(), "{text}");
    assert!(
        text.contains("WARNING: SECRET_KEY: 9 bytes is too short for HS256"),
        "{text}"
    );
    assert!(!text.contains("short-key"), "the key is printed: {text}");
}
