//! docker-compose.yml (with the .env.example and Dockerfile beside it) against the real
//! command lines, settings loader and services: a flag, port, setting name or dependency
//! that drifts from the code fails here instead of at `docker compose up`.
//!
//! The compose file is read as compose itself reads it: the output of `docker-compose
//! config` (merge keys applied, `${VAR}` interpolated) run with the variables of
//! .env.example (the required ones, empty there, get dummy values). Each tokenpair
//! service's argv (entrypoint + command) is parsed with the services' own clap
//! definitions, its environment is loaded with `Settings::from_sources`, and the services
//! are started with it (`checks`).
//!
//! Without docker-compose these tests are skipped with a banner, unless
//! `TOKENPAIR_REQUIRE_COMPOSE=1` (CI), where they fail instead.

mod admin;
mod checks;
mod drift;
mod secrets;
mod services;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use auth_service::AuthSettings;
use clap::Parser;
use serde_norway::Value;

use checks::{load_settings, problems};
use services::services;

const AUTH_PORT: u16 = 8000;
const PROTECTED_PORT: u16 = 8001;
/// TOKENPAIR__ADMIN_BIND's ports (the internal endpoints), never published by default;
/// the Kubernetes manifests use the same.
const AUTH_ADMIN_PORT: u16 = 9000;
const PROTECTED_ADMIN_PORT: u16 = 9001;
const POSTGRES_PORT: u16 = 5432;
const HEALTH_PATH: &str = "/readyz";
/// Stands in for every value .env.example leaves for the user to fill (hex: URL-safe).
const DUMMY_SECRET: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const REQUIRE_VAR: &str = "TOKENPAIR_REQUIRE_COMPOSE";

// ---- the files -----------------------------------------------------------------------------

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(name: &str) -> String {
    let path = repo().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// .env.example: the variables it sets (`NAME=value`) and the optional ones it documents,
/// commented out with their defaults (`# NAME=value`).
struct EnvExample {
    set: BTreeMap<String, String>,
    optional: BTreeMap<String, String>,
}

fn env_example() -> EnvExample {
    let mut set = BTreeMap::new();
    let mut optional = BTreeMap::new();
    for line in read(".env.example").lines() {
        let line = line.trim();
        if let Some(comment) = line.strip_prefix('#') {
            if let Some((name, value)) = env_assignment(comment.trim()) {
                optional.insert(name, value);
            }
        } else if !line.is_empty() {
            let (name, value) = env_assignment(line)
                .unwrap_or_else(|| panic!(".env.example: not a NAME=value line: {line:?}"));
            set.insert(name, value);
        }
    }
    EnvExample { set, optional }
}

fn env_assignment(line: &str) -> Option<(String, String)> {
    let (name, value) = line.split_once('=')?;
    let mut chars = name.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c == '_');
    if !starts_well || !chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_') {
        return None;
    }
    let value = value.trim();
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|q| value.strip_prefix(*q)?.strip_suffix(*q))
        .unwrap_or(value);
    Some((name.to_owned(), unquoted.to_owned()))
}

/// What `cp .env.example .env` and filling in the required values gives; with `optional`,
/// the documented optional values uncommented too.
fn deploy_vars(optional: bool) -> BTreeMap<String, String> {
    let example = env_example();
    let mut vars = example.set;
    for value in vars.values_mut() {
        if value.is_empty() {
            *value = DUMMY_SECRET.to_owned();
        }
    }
    if optional {
        vars.extend(example.optional);
    }
    vars
}

// ---- docker-compose ------------------------------------------------------------------------

/// Whether `docker-compose` runs here; `Err` says why not.
fn compose_available() -> &'static Result<(), String> {
    static AVAILABLE: OnceLock<Result<(), String>> = OnceLock::new();
    AVAILABLE.get_or_init(|| {
        let output = Command::new("docker-compose")
            .arg("version")
            .output()
            .map_err(|e| format!("docker-compose: {e}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
        }
    })
}

/// Whether this test can run: without docker-compose it is skipped, loudly (written to
/// the process's stderr, past the test harness's capture), unless CI requires it.
fn compose_or_skip(test: &str) -> bool {
    let Err(why) = compose_available() else {
        return true;
    };
    if std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1") {
        panic!("docker-compose is required ({REQUIRE_VAR}=1) but unavailable: {why}");
    }
    let line = "=".repeat(78);
    let _ = writeln!(
        std::io::stderr(),
        "\n{line}\nCOMPOSE TEST SKIPPED: {test}: no docker-compose ({why}).\n\
         docker-compose.yml was not checked. Install docker-compose (Debian: apt-get install\n\
         docker-compose), or run `bash .ci/run`, which installs it and requires it\n\
         ({REQUIRE_VAR}=1).\n{line}"
    );
    false
}

/// `docker-compose config` with exactly `vars` in its environment (a developer's .env
/// and shell left out): the deployment as compose will run it, or compose's refusal.
fn compose_config(vars: &BTreeMap<String, String>) -> Result<Value, String> {
    compose_config_of(&["docker-compose.yml"], vars)
}

/// `compose_config` of `files` merged in order (an override after the base file).
fn compose_config_of(files: &[&str], vars: &BTreeMap<String, String>) -> Result<Value, String> {
    let dir = std::env::temp_dir().join(format!("tp-compose-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let env_file = dir.join("empty.env");
    std::fs::write(&env_file, "").expect("empty env file");
    let mut command = Command::new("docker-compose");
    command
        .arg("--env-file")
        .arg(&env_file)
        .arg("--project-directory")
        .arg(repo());
    for file in files {
        command.arg("-f").arg(repo().join(file));
    }
    command
        .arg("config")
        .env_clear()
        .envs(vars)
        .env("HOME", &dir);
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    let output = command.output().expect("run docker-compose");
    let _ = std::fs::remove_dir_all(&dir);
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).trim().to_owned());
    }
    let text = String::from_utf8_lossy(&output.stdout);
    Ok(serde_norway::from_str(&text).expect("docker-compose config prints YAML"))
}

/// Every variable docker-compose.yml refers to outside comments (`$NAME`, `${NAME...}`;
/// `$$` is a dollar). Compose reports none it interpolates: this one scan is ours.
fn variables_used(text: &str) -> BTreeSet<String> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut names = BTreeSet::new();
    let code: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'))
        .collect();
    let code = code.join("\n");
    let mut rest = code.as_str();
    while let Some(at) = rest.find('$') {
        rest = &rest[at + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            rest = after;
            continue;
        }
        let name = rest.strip_prefix('{').unwrap_or(rest);
        let len = name.find(|c| !is_name(c)).unwrap_or(name.len());
        names.insert(name[..len].to_owned());
    }
    names
}

fn assert_no_problems(vars: &BTreeMap<String, String>, what: &str) -> Value {
    let doc = compose_config(vars).unwrap_or_else(|e| panic!("docker-compose config: {e}"));
    let problems = problems(&doc);
    assert!(
        problems.is_empty(),
        "docker-compose.yml {what}:\n  {}",
        problems.join("\n  ")
    );
    doc
}

// ---- tests ---------------------------------------------------------------------------------

#[test]
fn compose_file_matches_the_services() {
    if compose_or_skip("compose_file_matches_the_services") {
        assert_no_problems(&deploy_vars(false), "with .env.example's required values");
    }
}

#[test]
fn documented_optional_settings_are_valid_and_are_the_defaults() {
    if !compose_or_skip("documented_optional_settings_are_valid_and_are_the_defaults") {
        return;
    }
    let optional = assert_no_problems(&deploy_vars(true), "with .env.example's optional values");
    // ".env.example: the values shown are the defaults": the compose file's `${VAR:-default}`
    // must say the same.
    let required = compose_config(&deploy_vars(false)).expect("docker-compose config");
    assert_eq!(
        serde_norway::to_string(&required).unwrap(),
        serde_norway::to_string(&optional).unwrap(),
        "a `${{VAR:-default}}` in docker-compose.yml differs from `# VAR=default` in .env.example"
    );
    // And those defaults restate the loader's own.
    let auth = services(&required)
        .unwrap()
        .into_iter()
        .find(|s| s.name == "auth-service")
        .expect("an auth-service service");
    let ours = load_settings(&auth).unwrap();
    let defaults =
        AuthSettings::from_sources(None, [("SECRET_KEY".to_owned(), DUMMY_SECRET.to_owned())])
            .unwrap();
    assert_eq!(
        ours.jwt.access_token_lifetime,
        defaults.jwt.access_token_lifetime
    );
    assert_eq!(
        ours.jwt.refresh_token_lifetime,
        defaults.jwt.refresh_token_lifetime
    );
    assert_eq!(ours.log.level, defaults.log.level);
}

#[test]
fn env_example_documents_exactly_the_variables_compose_uses() {
    let used = variables_used(&read("docker-compose.yml"));
    let example = env_example();
    let documented: BTreeSet<String> = example
        .set
        .keys()
        .chain(example.optional.keys())
        .cloned()
        .collect();
    assert_eq!(
        used, documented,
        "variables used by docker-compose.yml vs documented in .env.example"
    );
    for (name, value) in &example.set {
        assert!(
            value.is_empty(),
            ".env.example must not ship a value for {name}"
        );
    }
}

#[test]
fn compose_refuses_to_start_without_the_secrets() {
    if !compose_or_skip("compose_refuses_to_start_without_the_secrets") {
        return;
    }
    for required in ["SECRET_KEY", "POSTGRES_PASSWORD"] {
        // the message the compose file gives with `${VAR:?message}`
        let names_it = format!("set {required} in .env");
        let mut vars = deploy_vars(false);
        vars.insert(required.to_owned(), String::new());
        let empty = compose_config(&vars).map(drop).unwrap_err();
        assert!(empty.contains(&names_it), "{required} empty: {empty}");
        vars.remove(required);
        let unset = compose_config(&vars).map(drop).unwrap_err();
        assert!(unset.contains(&names_it), "{required} unset: {unset}");
    }
    // As .env.example ships, before the user fills it in.
    assert!(compose_config(&env_example().set).is_err());
}

#[test]
fn dockerfile_builds_what_compose_runs() {
    let dockerfile = read("Dockerfile");
    let instructions: Vec<&str> = dockerfile
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let exposed: BTreeSet<u16> = instructions
        .iter()
        .filter_map(|l| l.strip_prefix("EXPOSE "))
        .flat_map(str::split_whitespace)
        .map(|p| p.trim_end_matches("/tcp").parse().unwrap())
        .collect();
    assert_eq!(
        exposed,
        BTreeSet::from([
            AUTH_PORT,
            PROTECTED_PORT,
            AUTH_ADMIN_PORT,
            PROTECTED_ADMIN_PORT
        ])
    );
    // Compose's commands start with the binary name: an ENTRYPOINT would come before it.
    assert!(!instructions.iter().any(|l| l.starts_with("ENTRYPOINT")));
    for needed in [
        "--locked",
        "--features auth-service/postgres-tls",
        "/usr/local/bin/",
        "FROM debian:bookworm-slim",
    ] {
        assert!(dockerfile.contains(needed), "Dockerfile: no {needed:?}");
    }
    for binary in ["auth-service", "protected-service"] {
        assert!(
            dockerfile.contains(&format!("target/release/{binary}")),
            "Dockerfile: {binary} is not copied out of the build"
        );
    }
    let user = instructions
        .iter()
        .rev()
        .find_map(|l| l.strip_prefix("USER "))
        .expect("Dockerfile: no USER (the services would run as root)");
    assert!(
        !user.starts_with("root") && !user.starts_with('0'),
        "USER {user}"
    );

    // The clap defaults are the same ports (`serve` with no --bind).
    let auth = auth_service::cli::Cli::try_parse_from(["auth-service", "serve"]).unwrap();
    let protected =
        protected_service::cli::Cli::try_parse_from(["protected-service", "serve"]).unwrap();
    match (auth.command, protected.command) {
        (
            auth_service::cli::Command::Serve { bind: a },
            protected_service::cli::Command::Serve { bind: p },
        ) => {
            assert!(a.ends_with(&format!(":{AUTH_PORT}")), "{a}");
            assert!(p.ends_with(&format!(":{PROTECTED_PORT}")), "{p}");
        }
        other => panic!("{other:?}"),
    }

    let dockerignore = read(".dockerignore");
    let ignored: BTreeSet<&str> = dockerignore
        .lines()
        .map(|l| l.trim().trim_end_matches('/'))
        .collect();
    for path in ["target", ".git", ".env", ".django-ref-venv"] {
        assert!(
            ignored.contains(path),
            ".dockerignore: {path} is sent to the build"
        );
    }
}
