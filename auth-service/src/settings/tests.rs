//! The settings only auth-service reads, and README.md's settings table checked against every
//! catalogue (shared and ours).

use super::*;
use django_hashers::HasherKind;
use shared::settings::{
    CookieSettings, FeedSettings, JwksSettings, JwtSettings, KeySettings, LogFormat, LogSettings,
    Secret, Section, ServerSettings, Setting,
};
use std::time::Duration;

const FILE: &str = "tokenpair.toml";

fn pairs(env: &[(&str, &str)]) -> Vec<(String, String)> {
    env.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// With a SECRET_KEY, which HS256 (the default) needs.
fn env(extra: &[(&str, &str)]) -> Result<AuthSettings, SettingsError> {
    let mut all = pairs(&[("SECRET_KEY", "k")]);
    all.extend(pairs(extra));
    AuthSettings::from_sources(None, all)
}

fn file(toml: &str) -> Result<AuthSettings, SettingsError> {
    file_env(toml, &[])
}

fn file_env(toml: &str, extra: &[(&str, &str)]) -> Result<AuthSettings, SettingsError> {
    let mut all = pairs(&[("SECRET_KEY", "k")]);
    all.extend(pairs(extra));
    AuthSettings::from_sources(Some((FILE, toml)), all)
}

/// The error text, checked to be one line.
fn error(result: Result<AuthSettings, SettingsError>) -> String {
    let message = result.expect_err("expected an error").to_string();
    assert!(!message.contains('\n'), "not one line: {message}");
    message
}

#[test]
fn defaults_are_ours() {
    let settings = env(&[]).unwrap();
    assert!(settings.database.url.is_none());
    assert_eq!(settings.requests.max_body_bytes, 65_536);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let ours = (
        settings.hashing.clone(),
        settings.database.clone(),
        settings.revocation.clone(),
    );
    for (hashing, database, revocation) in [ours, Default::default()] {
        assert_eq!(hashing.pbkdf2_iterations, 1_500_000);
        assert_eq!(hashing.password_hasher, HasherKind::Pbkdf2Sha256);
        assert!(!hashing.hash_upgrade);
        assert_eq!(hashing.hash_threads, cores.saturating_sub(1).max(1));
        assert_eq!(hashing.hash_queue, 64);
        assert_eq!(database.pool_size, 10);
        assert_eq!(database.pool_timeout, Duration::from_secs(5));
        assert!(!revocation.reuse_detection);
        assert_eq!(revocation.reuse_grace, Duration::from_secs(5));
    }
}

#[test]
fn durations_from_env_and_file() {
    let ours = env(&[
        ("TOKENPAIR__DB_POOL_TIMEOUT", "500ms"),
        ("TOKENPAIR__REUSE_GRACE", "90s"),
    ])
    .unwrap();
    assert_eq!(ours.database.pool_timeout, Duration::from_millis(500));
    assert_eq!(ours.revocation.reuse_grace, Duration::from_secs(90));
}

#[test]
fn errors_name_the_setting_as_written() {
    assert_eq!(
        error(file("[TOKENPAIR]\nHASH_UPGRADE = \"sometimes\"")),
        r#"TOKENPAIR.HASH_UPGRADE (in tokenpair.toml): invalid boolean "sometimes" (use true or false)"#
    );
}

#[test]
fn unknown_names_are_errors() {
    assert_eq!(
        error(env(&[("TOKENPAIR__PBKDF2_ITERATION", "1")])),
        "TOKENPAIR__PBKDF2_ITERATION: unknown tokenpair setting (did you mean PBKDF2_ITERATIONS?)"
    );
    assert_eq!(
        error(file("[TOKENPAIR]\nworkers = 4")),
        "TOKENPAIR.workers (in tokenpair.toml): unknown tokenpair setting (did you mean WORKERS?)"
    );
    assert_eq!(
        error(env(&[("TOKENPAIR__SOMETHING_ELSE", "1")])),
        "TOKENPAIR__SOMETHING_ELSE: unknown tokenpair setting"
    );
}

#[test]
fn environment_overrides_file() {
    let toml = r#"
        DATABASE_URL = "postgres://file@db/file"
        SECRET_KEY = "from-file"
        [SIMPLE_JWT]
        ACCESS_TOKEN_LIFETIME = "10m"
        REFRESH_TOKEN_LIFETIME = 7200
        AUTH_HEADER_TYPES = ["Bearer", "JWT"]
        [TOKENPAIR]
        PBKDF2_ITERATIONS = 1000000
        WORKERS = 3
    "#;
    let settings = AuthSettings::from_sources(
        Some((FILE, toml)),
        pairs(&[
            ("SECRET_KEY", "from-env"),
            ("SIMPLE_JWT__ACCESS_TOKEN_LIFETIME", "60"),
            ("SIMPLE_JWT__AUTH_HEADER_TYPES", "Token"),
            ("TOKENPAIR__WORKERS", "5"),
            ("TOKENPAIR__LOG_FORMAT", "JSON"),
        ]),
    )
    .unwrap();
    assert_eq!(
        settings.keys.secret_key.as_ref().map(Secret::expose),
        Some("from-env")
    );
    assert_eq!(settings.jwt.signing_key.expose(), "from-env");
    assert_eq!(
        settings.database.url.as_ref().map(Secret::expose),
        Some("postgres://file@db/file")
    );
    assert_eq!(settings.jwt.access_token_lifetime, Duration::from_secs(60));
    assert_eq!(
        settings.jwt.refresh_token_lifetime,
        Duration::from_secs(7200)
    );
    assert_eq!(settings.jwt.auth_header_types, ["Token"]);
    assert_eq!(settings.hashing.pbkdf2_iterations, 1_000_000);
    assert_eq!(settings.server.workers, 5);
    assert_eq!(settings.log.format, LogFormat::Json);

    for key in [
        "DATABASE_URL",
        "SECRET_KEY",
        "SIMPLE_JWT.ACCESS_TOKEN_LIFETIME",
        "SIMPLE_JWT.REFRESH_TOKEN_LIFETIME",
        "SIMPLE_JWT.AUTH_HEADER_TYPES",
        "TOKENPAIR.PBKDF2_ITERATIONS",
        "TOKENPAIR.WORKERS",
        "TOKENPAIR.LOG_FORMAT",
    ] {
        assert!(settings.is_explicit(key), "{key}");
    }
    for key in [
        "SIMPLE_JWT.CHECK_USER_IS_ACTIVE",
        "SIMPLE_JWT.SIGNING_KEY",
        "TOKENPAIR.HASH_THREADS",
        "SIMPLE_JWT__ACCESS_TOKEN_LIFETIME",
    ] {
        assert!(!settings.is_explicit(key), "{key}");
    }
    let settings = env(&[("SIMPLE_JWT__CHECK_USER_IS_ACTIVE", "true")]).unwrap();
    assert!(settings.is_explicit("SIMPLE_JWT.CHECK_USER_IS_ACTIVE"));
}

#[test]
fn tokenpair_settings() {
    let ours = env(&[
        ("TOKENPAIR__PASSWORD_HASHER", "argon2"),
        ("TOKENPAIR__HASH_UPGRADE", "on"),
        ("TOKENPAIR__HASH_THREADS", "2"),
        ("TOKENPAIR__HASH_QUEUE", "0"),
        ("TOKENPAIR__DB_POOL_SIZE", "20"),
        ("TOKENPAIR__MAX_BODY_BYTES", "1024"),
        ("TOKENPAIR__LOG_LEVEL", "debug,actix_web=info"),
        ("TOKENPAIR__REUSE_DETECTION", "true"),
    ])
    .unwrap();
    assert_eq!(ours.hashing.password_hasher, HasherKind::Argon2);
    assert!(ours.hashing.hash_upgrade);
    assert_eq!(ours.hashing.hash_threads, 2);
    assert_eq!(ours.hashing.hash_queue, 0);
    assert_eq!(ours.database.pool_size, 20);
    assert_eq!(ours.requests.max_body_bytes, 1024);
    assert_eq!(ours.log.level, "debug,actix_web=info");
    assert!(ours.revocation.reuse_detection);

    for (var, value, want) in [
        (
            "TOKENPAIR__PBKDF2_ITERATIONS",
            "0",
            "must be at least 1, got 0",
        ),
        (
            "TOKENPAIR__MAX_BODY_BYTES",
            "1000",
            "must be at least 1024, got 1000",
        ),
        ("TOKENPAIR__DB_POOL_SIZE", "0", "must be at least 1, got 0"),
        ("TOKENPAIR__WORKERS", "0", "must be at least 1, got 0"),
        (
            "TOKENPAIR__DB_POOL_TIMEOUT",
            "0",
            "must be more than 0 seconds",
        ),
        (
            "TOKENPAIR__PASSWORD_HASHER",
            "md5",
            "invalid value \"md5\" (expected one of: pbkdf2_sha256, argon2)",
        ),
        (
            "TOKENPAIR__PBKDF2_ITERATIONS",
            "5000000000",
            "5000000000 is too large",
        ),
    ] {
        assert_eq!(error(env(&[(var, value)])), format!("{var}: {want}"));
    }
}

#[test]
fn debug_shows_no_secret() {
    let settings = file_env(
        "[SIMPLE_JWT]\nSIGNING_KEY = \"signing-s3cret\"",
        &[
            ("SECRET_KEY", "django-s3cret"),
            (
                "DATABASE_URL",
                "postgres://kyoko:db-s3cret@localhost:5432/app",
            ),
        ],
    )
    .unwrap();
    let debug = format!("{settings:?} {settings:#?}");
    for secret in ["signing-s3cret", "django-s3cret", "db-s3cret"] {
        assert!(!debug.contains(secret), "{secret} in {debug}");
    }
    assert_eq!(settings.jwt.signing_key.expose(), "signing-s3cret");
    assert_eq!(
        settings.database.url_redacted().as_deref(),
        Some("postgres://kyoko:***@localhost:5432/app")
    );
}

#[test]
fn database_url_redaction() {
    for (url, want) in [
        ("postgres://u:pw@h:5432/db", "postgres://u:***@h:5432/db"),
        ("postgres://u@h/db", "postgres://u@h/db"),
        ("postgres://h/db", "postgres://h/db"),
        ("postgres://u:p@ss/w?rd@h/db", "postgres://u:***@h/db"),
        (
            "postgresql://h/db?user=u&password=pw&sslmode=require",
            "postgresql://h/db?user=u&password=***&sslmode=require",
        ),
        ("host=h password=pw", "***"),
    ] {
        assert_eq!(database::redact_password(url), want, "{url}");
    }
    assert_eq!(env(&[]).unwrap().database.url_redacted(), None);
}

#[test]
fn load_reads_the_named_file() {
    let missing = Path::new("/nonexistent/tokenpair.toml");
    let message = AuthSettings::load(Some(missing)).unwrap_err().to_string();
    assert!(
        message.starts_with("config file /nonexistent/tokenpair.toml: "),
        "{message}"
    );

    let path = std::env::temp_dir().join(format!("tokenpair-settings-{}.toml", std::process::id()));
    std::fs::write(&path, "SECRET_KEY = \"k\"\n[TOKENPAIR]\nHASH_QUEUE = 7\n").unwrap();
    let loaded = AuthSettings::load(Some(&path));
    std::fs::remove_file(&path).unwrap();
    let loaded = loaded.unwrap();
    assert!(loaded.is_explicit("TOKENPAIR.HASH_QUEUE"));
}

/// `(variable, default, doc)` of every entry of a catalogue.
fn entries<S: Section>() -> impl Iterator<Item = (String, &'static str, &'static str)> {
    S::SETTINGS
        .iter()
        .map(|setting: &Setting<S>| (setting.variable(), setting.default, setting.doc))
}

/// Every setting either service reads, shared sections first.
fn catalogue() -> Vec<(String, &'static str, &'static str)> {
    entries::<KeySettings>()
        .chain(entries::<JwtSettings>())
        .chain(entries::<ServerSettings>())
        .chain(entries::<JwksSettings>())
        .chain(entries::<LogSettings>())
        .chain(entries::<FeedSettings>())
        .chain(entries::<CookieSettings>())
        .chain(entries::<DatabaseSettings>())
        .chain(entries::<HashingSettings>())
        .chain(entries::<RequestSettings>())
        .chain(entries::<RevocationSettings>())
        .chain(entries::<ThrottleSettings>())
        .chain(entries::<AccountSettings>())
        .collect()
}

/// The rows of README.md's settings table: `| `NAME` | default | meaning |`.
fn readme_rows() -> Vec<(String, String, String)> {
    let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"));
    let section = readme
        .split("\n## Settings\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("README.md has a Settings section");
    section
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line
                .strip_prefix('|')?
                .strip_suffix('|')?
                .split(" | ")
                .map(str::trim)
                .collect();
            let [name, default, doc] = cells[..] else {
                return None;
            };
            let name = name.strip_prefix('`')?.strip_suffix('`')?;
            Some((name.to_owned(), default.to_owned(), doc.to_owned()))
        })
        .collect()
}

#[test]
fn readme_table_is_the_catalogue() {
    let rows = readme_rows();
    let catalogue = catalogue();
    assert!(rows.len() > 40, "README table not found: {rows:?}");
    for (variable, default, doc) in &catalogue {
        let row = rows.iter().find(|(name, _, _)| name == variable);
        let Some((_, readme_default, readme_doc)) = row else {
            panic!("{variable} has no row in README.md's settings table");
        };
        assert_eq!(readme_default, default, "default of {variable}");
        assert_eq!(readme_doc, doc, "meaning of {variable}");
    }
    for (name, _, _) in &rows {
        assert!(
            catalogue.iter().any(|(variable, _, _)| variable == name),
            "README.md documents {name}, which no service reads"
        );
    }
    assert_eq!(
        rows.len(),
        catalogue.len(),
        "README.md lists a setting twice"
    );
}

/// protected-service refuses a `TOKENPAIR` name close to one of its own as a typo, so none of
/// ours may be close to one of the shared names, or a config file shared by both services would
/// stop protected-service.
#[test]
fn our_names_are_no_typos_of_the_shared_ones() {
    for name in Sections::names() {
        assert!(
            Settings::from_sources(None, [(format!("TOKENPAIR__{name}"), "1".to_owned())]).is_ok(),
            "{name}"
        );
    }
}

/// Every variable either service also reads from `NAME_FILE`.
fn file_variables() -> Vec<String> {
    use shared::settings::catalogue::file_variables;
    let mut all: Vec<String> = file_variables::<KeySettings>()
        .chain(file_variables::<JwtSettings>())
        .chain(file_variables::<ServerSettings>())
        .chain(file_variables::<LogSettings>())
        .chain(file_variables::<FeedSettings>())
        .chain(Sections::file_variables())
        .collect();
    all.sort();
    all
}

#[test]
fn database_url_accepts_a_file() {
    let dir = std::env::temp_dir().join(format!("tp-db-url-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("database_url");
    std::fs::write(&path, "postgres://app:pa55word@db/app\r\n").unwrap();
    let path = path.to_str().unwrap().to_owned();
    let loaded = AuthSettings::from_sources(
        None,
        pairs(&[("SECRET_KEY", "k"), ("DATABASE_URL_FILE", &path)]),
    );
    let conflict = env(&[
        ("DATABASE_URL", "postgres://app:pa55word@db/app"),
        ("DATABASE_URL_FILE", &path),
    ]);
    std::fs::remove_dir_all(&dir).unwrap();

    let loaded = loaded.unwrap();
    let url = loaded.database.url.as_ref().unwrap();
    assert_eq!(url.expose(), "postgres://app:pa55word@db/app");
    assert!(loaded.is_explicit("DATABASE_URL"));
    let message = error(conflict);
    assert_eq!(
        message,
        "DATABASE_URL and DATABASE_URL_FILE are both set: set only one"
    );
    assert!(!format!("{loaded:?}").contains("pa55word"));

    let message = error(env(&[("DATABASE_URL_FILE", "/nonexistent/database_url")]));
    assert!(
        message.starts_with("DATABASE_URL_FILE: cannot read /nonexistent/database_url: "),
        "{message}"
    );
}

#[test]
fn the_secrets_accept_a_file() {
    assert_eq!(
        file_variables(),
        [
            "DATABASE_URL",
            "SECRET_KEY",
            "SIMPLE_JWT__SIGNING_KEY",
            "SIMPLE_JWT__VERIFYING_KEY",
            "TOKENPAIR__PREVIOUS_VERIFYING_KEYS",
            "TOKENPAIR__REVOCATION_SECRET"
        ]
    );
}

/// README.md's "Secrets from files" paragraph names exactly the `NAME_FILE` variables the
/// catalogues mark.
#[test]
fn readme_names_every_file_variable() {
    let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"));
    let paragraph = readme
        .split("**Secrets from files.**")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .expect("README.md has a **Secrets from files.** paragraph");
    let mut named: Vec<String> = paragraph
        .split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|code| code.strip_suffix("_FILE"))
        // `NAME_FILE` is the rule, `POSTGRES_PASSWORD_FILE` the postgres image's.
        .filter(|name| !name.is_empty() && !name.contains(' '))
        .filter(|name| !["NAME", "POSTGRES_PASSWORD"].contains(name))
        .map(str::to_owned)
        .collect();
    named.sort();
    named.dedup();
    assert_eq!(named, file_variables());
}
