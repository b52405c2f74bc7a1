//! The real binary: help, and `check` without any database.

use std::process::{Command, Output};

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
    let ok = run(&["check"], &[("SECRET_KEY", "k")]);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let warned = run(
        &["check"],
        &[
            ("SECRET_KEY", "k"),
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
        &[("SECRET_KEY", "k"), ("SIMPLE_JWT__ALGORITHM", "RS256")],
    );
    assert_eq!(rs256.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&rs256.stderr).contains("VERIFYING_KEY"));
}
