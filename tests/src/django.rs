//! The reference Django app (`reference/django/`, or `$DJANGO_REF_DIR`: Django 5.2 + DRF +
//! simplejwt 5.5.1), for the differential and shared-database tests.
//!
//! * The virtualenv is `$DJANGO_REF_VENV`, else `<workspace>/.django-ref-venv` (made by
//!   `reference/django/setup.sh`; `.ci/run` makes it). Without it the tests that need
//!   Django are skipped, loudly, unless `TOKENPAIR_REQUIRE_DJANGO=1` (CI): then they fail.
//! * Django's `migrate` runs once per test run, into the PostgreSQL database
//!   [`TEMPLATE`], together with the users of [`USERS`] made by Django's own hasher; each
//!   test gets clones of it (`CREATE DATABASE … TEMPLATE`). Re-creating the template and
//!   cloning it hold a PostgreSQL advisory lock, so parallel tests and parallel test runs
//!   never copy a template that is being rebuilt. The template stays after the run (the
//!   next run rebuilds it).
//! * [`DjangoServer`] runs the app with gunicorn (its `serve.sh`) on a free port, with the
//!   settings profile of one test (simplejwt reads its settings once, at start) and
//!   `/protected/` in stateless mode, like protected-service; it is stopped when dropped.

use diesel::{Connection, PgConnection, RunQueryDsl};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::app::TEST_SECRET_KEY;
use crate::db::postgres_admin_url;

/// `TOKENPAIR_REQUIRE_DJANGO=1`: a missing reference app fails the tests that need it.
pub const REQUIRE_VAR: &str = "TOKENPAIR_REQUIRE_DJANGO";

/// The PostgreSQL database migrated by Django once per test run, cloned by each test.
pub const TEMPLATE: &str = "tp_django_template";

/// What `/protected/` authenticates with in the reference app: simplejwt's stateless class,
/// which is what protected-service does.
pub const STATELESS_AUTH: &str =
    "rest_framework_simplejwt.authentication.JWTStatelessUserAuthentication";

/// Users made by Django in the template, in id order (ids 1, 2, …): username, password, and
/// what is special about them. Passwords are `None` for an unusable password.
pub const USERS: &[DjangoUser] = &[
    DjangoUser::new("alice", Some("pw-alice-1"), "pbkdf2_sha256", true),
    DjangoUser::new("bob", Some("pw-bob-1"), "pbkdf2_sha256", false),
    DjangoUser::new("carol", None, "pbkdf2_sha256", true),
    // simplejwt trims passwords, so this user can never log in through the token views
    DjangoUser::new("dave", Some(" pw dave "), "pbkdf2_sha256", true),
    DjangoUser::new("zoë", Some("pässwörd ✓"), "pbkdf2_sha256", true),
    DjangoUser::new("sha1user", Some("pw-sha1"), "pbkdf2_sha1", true),
    DjangoUser::new("argon2user", Some("pw-argon2"), "argon2", true),
    DjangoUser::new("bcryptuser", Some("pw-bcrypt"), "bcrypt_sha256", true),
    DjangoUser::new("scryptuser", Some("pw-scrypt"), "scrypt", true),
];

/// Django 5.2's PBKDF2 iteration count: ours is set to it wherever Django is compared.
pub const DJANGO_PBKDF2_ITERATIONS: &str = "1000000";

/// Our login throttles, off wherever we are compared with Django: simplejwt has none, and the
/// differential runs send many failed logins per user from one address.
pub const UNTHROTTLED: [(&str, &str); 2] = [
    ("TOKENPAIR__LOGIN_THROTTLE_USER", "off"),
    ("TOKENPAIR__LOGIN_THROTTLE_IP", "off"),
];

#[derive(Debug, Clone, Copy)]
pub struct DjangoUser {
    pub username: &'static str,
    pub password: Option<&'static str>,
    /// The Django hasher that made the stored hash.
    pub hasher: &'static str,
    pub active: bool,
}

impl DjangoUser {
    const fn new(
        username: &'static str,
        password: Option<&'static str>,
        hasher: &'static str,
        active: bool,
    ) -> Self {
        Self {
            username,
            password,
            hasher,
            active,
        }
    }
}

/// The id Django gave a user of [`USERS`].
pub fn user_id(username: &str) -> i32 {
    let index = USERS
        .iter()
        .position(|u| u.username == username)
        .unwrap_or_else(|| panic!("no Django test user {username:?}"));
    i32::try_from(index + 1).expect("small")
}

/// Where the reference app and its virtualenv are.
#[derive(Debug)]
pub struct Reference {
    pub venv: PathBuf,
    pub app: PathBuf,
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_owned()
}

/// The reference app, or why it cannot be used (no virtualenv: run its setup.sh).
pub fn reference() -> Result<&'static Reference, String> {
    static REFERENCE: OnceLock<Result<Reference, String>> = OnceLock::new();
    REFERENCE.get_or_init(find).as_ref().map_err(Clone::clone)
}

fn find() -> Result<Reference, String> {
    let venv = std::env::var_os("DJANGO_REF_VENV")
        .map_or_else(|| workspace().join(".django-ref-venv"), PathBuf::from);
    let app = std::env::var_os("DJANGO_REF_DIR")
        .map_or_else(|| workspace().join("reference/django"), PathBuf::from);
    if !app.join("manage.py").is_file() {
        return Err(format!(
            "no reference app at {} (set DJANGO_REF_DIR)",
            app.display()
        ));
    }
    for program in ["python", "gunicorn"] {
        if !venv.join("bin").join(program).is_file() {
            return Err(format!(
                "no virtualenv at {} (make it with `DJANGO_REF_VENV={} {}/setup.sh`)",
                venv.display(),
                venv.display(),
                app.display()
            ));
        }
    }
    Ok(Reference { venv, app })
}

/// Whether a missing reference app must fail the tests instead of skipping them.
pub fn required() -> bool {
    std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1")
}

fn reference_or_panic() -> &'static Reference {
    reference().unwrap_or_else(|e| panic!("the Django reference app is unavailable: {e}"))
}

/// The environment a Django process gets: nothing inherited but PATH and the locale, so a
/// developer's own SIMPLE_JWT__/DATABASE_URL variables never leak in. `database` is in our
/// DATABASE_URL syntax (`postgres://…` or `sqlite://PATH`), which the reference app reads too.
fn django_env(database: &str, settings: &[(&str, &str)]) -> Vec<(String, String)> {
    let reference = reference_or_panic();
    let mut env = vec![
        (
            "PATH".to_owned(),
            std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".to_owned()),
        ),
        ("LANG".to_owned(), "C.UTF-8".to_owned()),
        ("PYTHONDONTWRITEBYTECODE".to_owned(), "1".to_owned()),
        (
            "DJANGO_REF_VENV".to_owned(),
            reference.venv.display().to_string(),
        ),
        ("SECRET_KEY".to_owned(), TEST_SECRET_KEY.to_owned()),
        ("DRF_AUTH_CLASS".to_owned(), STATELESS_AUTH.to_owned()),
        ("DATABASE_URL".to_owned(), database.to_owned()),
    ];
    env.extend(
        settings
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    env
}

/// `manage.py <args>` on `database` (our DATABASE_URL syntax); the process's output, whatever
/// its exit status.
pub fn manage_output(database: &str, args: &[&str]) -> Output {
    let reference = reference_or_panic();
    Command::new("bash")
        .arg(reference.app.join("manage.sh"))
        .args(args)
        .env_clear()
        .envs(django_env(database, &[]))
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("manage.sh {args:?}: {e}"))
}

/// `manage.py <args>` on `database`, which must succeed; returns its standard output.
pub fn manage(database: &str, args: &[&str]) -> String {
    let output = manage_output(database, args);
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "manage.py {args:?} failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// A Python snippet run by `manage.py shell -c` on `database`; returns what it printed.
pub fn python(database: &str, code: &str) -> String {
    manage(database, &["shell", "--no-imports", "-c", code])
}

/// Creates [`USERS`] with Django's own `make_password`, each with its hasher, in a database
/// Django migrated.
pub fn create_users(database: &str) {
    let users: Vec<String> = USERS
        .iter()
        .map(|u| {
            format!(
                "({:?}, {}, {:?}, {})",
                u.username,
                u.password.map_or("None".to_owned(), |p| format!("{p:?}")),
                u.hasher,
                if u.active { "True" } else { "False" }
            )
        })
        .collect();
    let code = format!(
        "from django.contrib.auth.models import User\n\
         from django.contrib.auth.hashers import make_password\n\
         for name, pw, hasher, active in [{}]:\n\
         \x20   u = User.objects.create_user(name, name + '@example.com', None, is_active=active)\n\
         \x20   if pw is not None:\n\
         \x20       u.password = make_password(pw, hasher=hasher)\n\
         \x20       u.save()\n\
         \x20   print(u.id)\n",
        users.join(", ")
    );
    let ids: Vec<String> = python(database, &code)
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let expected: Vec<String> = (1..=USERS.len()).map(|i| i.to_string()).collect();
    assert_eq!(ids, expected, "Django gave the test users other ids");
}

/// Runs `work` on a connection to the maintenance database holding the advisory lock that
/// serialises template rebuilds and clones, across tests and test runs.
fn with_template_lock<T>(work: impl FnOnce(&mut PgConnection) -> T) -> T {
    let admin = postgres_admin_url();
    let mut conn =
        PgConnection::establish(&admin).unwrap_or_else(|e| panic!("PostgreSQL at {admin}: {e}"));
    diesel::sql_query("SELECT pg_advisory_lock(hashtext('tp_django_template'))")
        .execute(&mut conn)
        .expect("advisory lock");
    // the lock goes with the connection, also on a panic
    work(&mut conn)
}

fn postgres_url(name: &str) -> String {
    let admin = postgres_admin_url();
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    format!("{base}/{name}")
}

/// How long the template took to build, once per test run.
pub fn template_build_time() -> Duration {
    static BUILT: OnceLock<Duration> = OnceLock::new();
    *BUILT.get_or_init(|| {
        let started = Instant::now();
        with_template_lock(|conn| {
            for sql in [
                format!("DROP DATABASE IF EXISTS \"{TEMPLATE}\" WITH (FORCE)"),
                format!("CREATE DATABASE \"{TEMPLATE}\""),
            ] {
                diesel::sql_query(&sql)
                    .execute(conn)
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            let url = postgres_url(TEMPLATE);
            manage(&url, &["migrate", "--verbosity", "0"]);
            create_users(&url);
        });
        let took = started.elapsed();
        eprintln!(
            "django: template {TEMPLATE} migrated with {} users in {took:.1?}",
            USERS.len()
        );
        took
    })
}

/// A PostgreSQL database of one test, dropped with the value.
pub struct DjangoDb {
    pub url: String,
    name: String,
}

impl DjangoDb {
    /// A fresh copy of the migrated template, users included.
    pub fn clone_template() -> Self {
        template_build_time();
        let name = format!("tp_dj_{}", uuid::Uuid::new_v4().simple());
        with_template_lock(|conn| {
            let sql = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{TEMPLATE}\"");
            diesel::sql_query(&sql)
                .execute(conn)
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        });
        Self {
            url: postgres_url(&name),
            name,
        }
    }
}

impl Drop for DjangoDb {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&postgres_admin_url()) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn);
        }
    }
}

/// A SQLite `db.sqlite3` made by Django's `migrate` in a temporary directory, removed with
/// the value.
pub struct DjangoSqlite {
    /// In our DATABASE_URL syntax.
    pub url: String,
    dir: PathBuf,
}

impl DjangoSqlite {
    /// Migrated by Django; with [`USERS`] made by its hashers if `users`.
    pub fn migrated(users: bool) -> Self {
        let dir = std::env::temp_dir().join(format!("tp_dj_{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let db = Self {
            url: format!("sqlite://{}", dir.join("db.sqlite3").display()),
            dir,
        };
        manage(&db.url, &["migrate", "--verbosity", "0"]);
        if users {
            create_users(&db.url);
        }
        db
    }
}

impl Drop for DjangoSqlite {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A running reference app; stopped when dropped.
pub struct DjangoServer {
    pub url: String,
    child: Child,
    log: Arc<Mutex<String>>,
    /// From spawning gunicorn to its first answer.
    pub start_time: Duration,
}

impl DjangoServer {
    /// gunicorn on 127.0.0.1, a port of the kernel's choosing, serving `database` (our
    /// DATABASE_URL syntax) with `settings` (`SIMPLE_JWT__…` pairs) on top of the shared
    /// SECRET_KEY and the stateless `/protected/`.
    pub fn start(database: &str, settings: &[(&str, &str)]) -> Self {
        let started = Instant::now();
        let reference = reference_or_panic();
        let mut child = Command::new("bash")
            .arg(reference.app.join("serve.sh"))
            .arg("127.0.0.1:0")
            .env_clear()
            .envs(django_env(database, settings))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("serve.sh: {e}"));
        let log = Arc::new(Mutex::new(String::new()));
        let (port_tx, port_rx) = mpsc::channel();
        let stderr = child.stderr.take().expect("piped stderr");
        let sink = log.clone();
        std::thread::spawn(move || {
            // gunicorn: "[…] [INFO] Listening at: http://127.0.0.1:40123 (4242)"
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("Listening at: http://127.0.0.1:").nth(1) {
                    let port: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    let _ = port_tx.send(port);
                }
                let mut log = sink.lock().unwrap_or_else(|e| e.into_inner());
                log.push_str(&line);
                log.push('\n');
            }
        });
        let port = port_rx.recv_timeout(Duration::from_secs(60));
        let mut server = Self {
            url: String::new(),
            child,
            log,
            start_time: Duration::ZERO,
        };
        match port {
            Ok(port) => server.url = format!("http://127.0.0.1:{port}"),
            Err(_) => {
                drop(port_rx);
                server.stop();
                panic!("the reference app did not start:\n{}", server.log());
            }
        }
        server.wait_until_answering();
        server.start_time = started.elapsed();
        server
    }

    /// The socket is listening once gunicorn says so; wait for a worker to answer too.
    fn wait_until_answering(&mut self) {
        let address = self.url.trim_start_matches("http://").to_owned();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(answer) = raw_get(&address, "/api/token/")
                && answer.starts_with("HTTP/1.1 405")
            {
                return;
            }
            if Instant::now() > deadline || self.child.try_wait().ok().flatten().is_some() {
                self.stop();
                panic!("the reference app does not answer:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Everything gunicorn and Django wrote to stderr so far (tracebacks of 500s included).
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn stop(&mut self) {
        if self.child.try_wait().ok().flatten().is_some() {
            return;
        }
        // SIGINT: gunicorn's quick shutdown, workers included.
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for DjangoServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A bare HTTP/1.1 GET without a client library (used before the runtime's client is in play).
fn raw_get(address: &str, path: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    Ok(answer)
}
