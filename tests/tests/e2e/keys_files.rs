//! Keys and files: a short HMAC key is refused by both services (unless
//! `TOKENPAIR__ALLOW_WEAK_KEY`), and every file tokenpair creates (SQLite databases, their
//! journals, the demo stack's key) is owner-only, while an unsafe key file is refused.
//!
//! The file tests work on SQLite files in their own directory whatever the backend: the
//! PostgreSQL run checks the same files again on another path.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use auth_service::cli::Command;
use tests::{Ctx, e2e, harness::E2e};
use tokenpair::signing_key::GENERATED_KEY_CHARS;
use tokenpair::{DEMO_PASSWORD, DEMO_USERNAME, Options, Stack};

pub fn tests() -> Vec<E2e> {
    e2e![
        weak_hmac_key_is_refused_by_both_services_unless_allowed,
        stack_creates_database_and_key_owner_only,
        stack_refuses_an_unsafe_key_file,
        migrate_creates_an_owner_only_database,
    ]
}

const REFUSAL: &str = "SECRET_KEY: 9 bytes is too short for HS256 (at least 32); make one with: \
                       openssl rand -base64 48";

/// A directory of its own, removed afterwards.
struct Dir(PathBuf);

impl Dir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("tp-keys-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Every file in it, with its permission bits.
    fn modes(&self) -> Vec<(String, u32)> {
        let mut modes: Vec<_> = std::fs::read_dir(&self.0)
            .expect("read dir")
            .map(|entry| {
                let entry = entry.unwrap();
                let name = entry.file_name().to_string_lossy().into_owned();
                (name, mode(&entry.path()))
            })
            .collect();
        modes.sort();
        modes
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn listener() -> std::net::TcpListener {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind")
}

fn options() -> Options {
    Options {
        config: None,
        auth_bind: "127.0.0.1:0".into(),
        protected_bind: "127.0.0.1:0".into(),
    }
}

/// The stack on a SQLite file in `dir`, with a fast password hash and `extra` settings.
fn stack_env(dir: &Dir, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env = vec![
        (
            "DATABASE_URL".to_owned(),
            format!("sqlite://{}", dir.join("db.sqlite3").display()),
        ),
        ("TOKENPAIR__PBKDF2_ITERATIONS".to_owned(), "1000".to_owned()),
    ];
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    env
}

async fn refused(env: Vec<(String, String)>) -> String {
    match Stack::start(&options(), env).await {
        Ok(mut stack) => {
            stack.stop().await;
            panic!("the stack started")
        }
        Err(e) => e,
    }
}

async fn weak_hmac_key_is_refused_by_both_services_unless_allowed(ctx: Arc<Ctx>) {
    let weak = ctx.settings(&[("SECRET_KEY", "short-key")]);
    let auth = auth_service::Application::build(weak.clone(), listener())
        .err()
        .expect("auth-service refuses a 9-byte key")
        .to_string();
    let protected = protected_service::Application::build(weak.into(), listener())
        .err()
        .expect("protected-service refuses a 9-byte key");
    for message in [auth, protected] {
        assert!(message.starts_with(REFUSAL), "{message}");
        assert_eq!(message.lines().count(), 1, "{message}");
        assert!(
            !message.contains("short-key"),
            "the key is shown: {message}"
        );
    }
    // HS512 wants 64 bytes: the 42-byte test key is refused there
    let hs512 = ctx.settings(&[("SIMPLE_JWT__ALGORITHM", "HS512")]);
    let message = auth_service::Application::build(hs512, listener())
        .err()
        .expect("refused for HS512")
        .to_string();
    assert!(
        message.starts_with("SECRET_KEY: 42 bytes is too short for HS512 (at least 64)"),
        "{message}"
    );

    // A Django site's short SECRET_KEY, allowed: both serve, with a warning, and the key works
    let app = ctx.spawn(&[
        ("SECRET_KEY", "short-key"),
        ("TOKENPAIR__ALLOW_WEAK_KEY", "true"),
    ]);
    assert!(
        app.settings.warnings.iter().any(|w| w.starts_with(
            "SECRET_KEY: 9 bytes is too short for HS256 (at least 32), accepted because \
             TOKENPAIR.ALLOW_WEAK_KEY is on"
        )),
        "{:?}",
        app.settings.warnings
    );
    app.create_user("kyoko", "contrasenasegura");
    let (_, access) = app.obtain("kyoko", "contrasenasegura").await;
    app.protected(Some(&format!("Bearer {access}")))
        .await
        .assert(200, r#"{"content":"This view is protected"}"#);
}

async fn stack_creates_database_and_key_owner_only(_ctx: Arc<Ctx>) {
    let dir = Dir::new();
    // The umask's mode, which the files would get without tokenpair's care.
    std::fs::write(dir.join("control"), b"").unwrap();
    let umask_mode = mode(&dir.join("control"));
    std::fs::remove_file(dir.join("control")).unwrap();

    let mut stack = Stack::start(&options(), stack_env(&dir, &[]))
        .await
        .expect("stack starts");
    // A login writes its outstanding token: SQLite opens its journal beside the database.
    let client = tests::app::client();
    let login = client
        .post(format!("{}/api/token/", stack.auth_url))
        .form(&[("username", DEMO_USERNAME), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .expect("login");
    assert_eq!(login.status(), 200);
    let modes_running = dir.modes();
    stack.stop().await;

    let modes = dir.modes();
    let names: Vec<&str> = modes.iter().map(|(name, _)| name.as_str()).collect();
    assert!(
        names.contains(&"db.sqlite3") && names.contains(&"db.sqlite3.secret-key"),
        "{modes:?}"
    );
    // db.sqlite3, its key and any -journal, -wal or -shm, while running and after
    for (name, mode) in modes_running.iter().chain(&modes) {
        assert_eq!(
            *mode, 0o600,
            "{name} has mode {mode:04o} (umask gives {umask_mode:04o})"
        );
    }
    let key = std::fs::read_to_string(dir.join("db.sqlite3.secret-key")).unwrap();
    assert_eq!(key.len(), GENERATED_KEY_CHARS);
    assert!(key.len() >= 64, "long enough for HS512");
    assert!(key.bytes().all(|b| b.is_ascii_graphic()), "{}", key.len());
}

async fn stack_refuses_an_unsafe_key_file(_ctx: Arc<Ctx>) {
    let dir = Dir::new();
    let key_file = dir.join("db.sqlite3.secret-key");
    let good_key = "k".repeat(64);

    // open to the group, or to everyone: refused, and left as it was
    for open in [0o640, 0o604, 0o620] {
        std::fs::write(&key_file, &good_key).unwrap();
        chmod(&key_file, open);
        let error = refused(stack_env(&dir, &[])).await;
        assert!(
            error.contains(&key_file.display().to_string())
                && error.contains(&format!("has mode {open:04o}"))
                && error.contains("chmod 600"),
            "{error}"
        );
        assert!(!error.contains(&good_key), "the key is shown: {error}");
        assert_eq!(mode(&key_file), open);
        assert_eq!(std::fs::read_to_string(&key_file).unwrap(), good_key);
        std::fs::remove_file(&key_file).unwrap();
    }

    // a symbolic link, to an owner-only key or to nothing yet: refused, nothing created
    let elsewhere = dir.join("elsewhere");
    std::fs::write(&elsewhere, &good_key).unwrap();
    chmod(&elsewhere, 0o600);
    std::os::unix::fs::symlink(&elsewhere, &key_file).unwrap();
    let error = refused(stack_env(&dir, &[])).await;
    assert!(error.contains("is a symbolic link"), "{error}");
    std::fs::remove_file(&elsewhere).unwrap();
    let error = refused(stack_env(&dir, &[])).await;
    assert!(error.contains("is a symbolic link"), "{error}");
    assert!(!elsewhere.exists(), "a key was written through the link");
    std::fs::remove_file(&key_file).unwrap();

    // a key kept from an older version (50 characters) is too short for HS512: refused,
    // not replaced; under HS256 (the default) it is still used
    let old_key = "o".repeat(50);
    std::fs::write(&key_file, &old_key).unwrap();
    chmod(&key_file, 0o600);
    let error = refused(stack_env(&dir, &[("SIMPLE_JWT__ALGORITHM", "HS512")])).await;
    assert!(
        error.contains("50 bytes is too short for HS512 (at least 64)")
            && error.contains("delete the file"),
        "{error}"
    );
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), old_key);
    let mut stack = Stack::start(&options(), stack_env(&dir, &[]))
        .await
        .expect("a 50-character key is enough for HS256");
    stack.stop().await;
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), old_key);
}

async fn migrate_creates_an_owner_only_database(_ctx: Arc<Ctx>) {
    let dir = Dir::new();
    let database = dir.join("new.sqlite3");
    let migrate = |database: &Path| {
        let settings = auth_service::AuthSettings::from_sources(
            None,
            [(
                "DATABASE_URL".to_owned(),
                format!("sqlite://{}", database.display()),
            )],
        )
        .unwrap();
        auth_service::commands::run(Command::Migrate, settings)
    };
    let path = database.clone();
    tokio::task::spawn_blocking(move || migrate(&path))
        .await
        .unwrap()
        .expect("migrate");
    for (name, mode) in dir.modes() {
        assert_eq!(mode, 0o600, "{name} has mode {mode:04o}");
    }

    // An existing database keeps the mode its owner gave it (e.g. shared with a group).
    chmod(&database, 0o640);
    let path = database.clone();
    tokio::task::spawn_blocking(move || migrate(&path))
        .await
        .unwrap()
        .expect("migrate again");
    assert_eq!(mode(&database), 0o640);
}
