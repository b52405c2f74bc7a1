//! A fresh database per test, so tests run in parallel and never see each
//! other's rows: a PostgreSQL database created for the test and dropped after
//! it, or a SQLite file in a temporary directory.
//!
//! The tests reach the database only through SQL on their own connection (this
//! module), never through auth-service's data layer: what they check is what is
//! stored, whoever stored it. The schema is made by auth-service's own
//! `migrate` command, once per engine into a template that every test database
//! is copied from (migrating ~400 databases one by one would cost minutes and
//! print the migrations each time).

use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// A connection to either engine, as auth-service makes them: one diesel
/// `MultiConnection`, so a test's SQL runs on both.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

impl DbConnection {
    /// Several statements, no results (`SET ...`, `DROP TABLE ...; ...`).
    pub fn batch(&mut self, sql: &str) -> diesel::QueryResult<()> {
        match self {
            Self::Postgres(c) => c.batch_execute(sql),
            Self::Sqlite(c) => c.batch_execute(sql),
        }
    }
}

/// Where the PostgreSQL server for tests is; the database part names the
/// maintenance database used to create and drop test databases.
pub fn postgres_admin_url() -> String {
    std::env::var("TOKENPAIR_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// Whether the test PostgreSQL server answers; `Err` says why not.
pub fn postgres_available() -> Result<(), String> {
    PgConnection::establish(&postgres_admin_url())
        .map(drop)
        .map_err(|e| e.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Sqlite => "sqlite",
        }
    }
}

/// One test's database; dropped with the value.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    name: String,
    dir: Option<PathBuf>,
}

/// The URL of a PostgreSQL database `name` on the test server.
fn postgres_url(name: &str) -> String {
    let admin = postgres_admin_url();
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
    format!("{base}/{name}")
}

fn admin_connection() -> PgConnection {
    let admin = postgres_admin_url();
    PgConnection::establish(&admin).unwrap_or_else(|e| panic!("PostgreSQL at {admin}: {e}"))
}

fn admin_sql(sql: &str) {
    diesel::sql_query(sql)
        .execute(&mut admin_connection())
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// `auth-service migrate` on `url`, in-process through the command itself.
pub fn migrate(url: &str) -> Result<(), String> {
    let settings = auth_service::AuthSettings::from_sources(
        None,
        [
            (
                "SECRET_KEY".to_owned(),
                crate::app::TEST_SECRET_KEY.to_owned(),
            ),
            ("DATABASE_URL".to_owned(), url.to_owned()),
        ],
    )
    .map_err(|e| e.to_string())?;
    auth_service::commands::run(auth_service::cli::Command::Migrate, settings)
}

/// `auth-service migrate` on `url`; the versions it applied, read from diesel's
/// bookkeeping table before and after.
pub fn migrate_applied(url: &str) -> Vec<String> {
    let versions = || -> Vec<String> {
        // none before the first migration: the table does not exist yet
        diesel::sql_query("SELECT version AS t FROM __diesel_schema_migrations")
            .load::<TextRow>(&mut connect(url))
            .map(|rows| rows.into_iter().map(|r| r.t).collect())
            .unwrap_or_default()
    };
    let before = versions();
    migrate(url).unwrap_or_else(|e| panic!("migrate {url}: {e}"));
    let mut applied = versions();
    applied.retain(|v| !before.contains(v));
    applied
}

/// The migrated, empty database each engine's test databases are copied from.
struct Template {
    postgres: OnceLock<String>,
    sqlite: OnceLock<PathBuf>,
    /// Serialises the first use of each template.
    making: Mutex<()>,
}

static TEMPLATE: Template = Template {
    postgres: OnceLock::new(),
    sqlite: OnceLock::new(),
    making: Mutex::new(()),
};

fn template_name() -> String {
    format!("tp_template_{}", std::process::id())
}

fn postgres_template() -> &'static str {
    let _making = TEMPLATE.making.lock().unwrap_or_else(|e| e.into_inner());
    TEMPLATE.postgres.get_or_init(|| {
        let name = template_name();
        admin_sql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
        admin_sql(&format!("CREATE DATABASE \"{name}\""));
        migrate(&postgres_url(&name)).unwrap_or_else(|e| panic!("migrate {name}: {e}"));
        name
    })
}

fn sqlite_template() -> &'static Path {
    let _making = TEMPLATE.making.lock().unwrap_or_else(|e| e.into_inner());
    TEMPLATE.sqlite.get_or_init(|| {
        let dir = std::env::temp_dir().join(template_name());
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("db.sqlite3");
        migrate(&format!("sqlite://{}", file.display()))
            .unwrap_or_else(|e| panic!("migrate {}: {e}", file.display()));
        file
    })
}

/// Makes the templates before the tests start (the PostgreSQL one when
/// `postgres`), with `migrate`'s report of each migration kept off the test output.
pub fn prepare_templates(postgres: bool) {
    quiet_stdout(|| {
        sqlite_template();
        if postgres {
            postgres_template();
        }
    });
}

/// Runs `work` with the process's stdout sent to /dev/null. Only before the tests
/// start: it is the whole process's stdout, the runner's too.
fn quiet_stdout(work: impl FnOnce()) {
    use std::os::fd::AsRawFd;
    let _ = std::io::stdout().flush();
    let null = std::fs::OpenOptions::new().write(true).open("/dev/null");
    // SAFETY: dup/dup2 on descriptors this process owns; the saved descriptor is
    // restored and closed before returning, and nothing else runs meanwhile.
    let saved = unsafe { libc::dup(1) };
    let redirected = match (&null, saved >= 0) {
        (Ok(null), true) => unsafe { libc::dup2(null.as_raw_fd(), 1) >= 0 },
        _ => false,
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
    let _ = std::io::stdout().flush();
    if redirected {
        // SAFETY: as above.
        unsafe {
            libc::dup2(saved, 1);
        }
    }
    if saved >= 0 {
        // SAFETY: as above.
        unsafe {
            libc::close(saved);
        }
    }
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Removes the templates; the runner calls it once every test has finished.
pub fn drop_templates() {
    if let Some(name) = TEMPLATE.postgres.get()
        && let Ok(mut conn) = PgConnection::establish(&postgres_admin_url())
    {
        let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&mut conn);
    }
    if let Some(dir) = TEMPLATE.sqlite.get().and_then(|file| file.parent()) {
        let _ = std::fs::remove_dir_all(dir);
    }
}

impl TestDb {
    /// A new, migrated, empty database.
    pub fn create(backend: Backend) -> Self {
        let name = format!("tp_test_{}", uuid::Uuid::new_v4().simple());
        match backend {
            Backend::Postgres => {
                let template = postgres_template();
                admin_sql(&format!(
                    "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
                ));
                Self {
                    backend,
                    url: postgres_url(&name),
                    name,
                    dir: None,
                }
            }
            Backend::Sqlite => {
                let template = sqlite_template();
                let dir = std::env::temp_dir().join(&name);
                std::fs::create_dir_all(&dir).expect("temp dir");
                let file = dir.join("db.sqlite3");
                std::fs::copy(template, &file).expect("copy the template database");
                Self {
                    backend,
                    url: format!("sqlite://{}", file.display()),
                    name,
                    dir: Some(dir),
                }
            }
        }
    }

    /// A new SQLite database migrated in place, not copied from the template: for
    /// test binaries without this runner (which removes the templates at the end).
    pub fn migrated_sqlite() -> Self {
        let name = format!("tp_test_{}", uuid::Uuid::new_v4().simple());
        let dir = std::env::temp_dir().join(&name);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let url = format!("sqlite://{}", dir.join("db.sqlite3").display());
        migrate(&url).unwrap_or_else(|e| panic!("migrate {url}: {e}"));
        Self {
            backend: Backend::Sqlite,
            url,
            name,
            dir: Some(dir),
        }
    }

    /// A connection outside the apps' pools, for arranging and inspecting rows.
    pub fn connect(&self) -> DbConnection {
        connect(&self.url)
    }

    /// `SELECT COUNT(*) FROM {from}` (`from` may carry a WHERE clause).
    pub fn count(&self, from: &str) -> i64 {
        count(&mut self.connect(), from)
    }

    /// Runs one statement; returns the rows it affected.
    pub fn execute(&self, sql: &str) -> usize {
        execute(&mut self.connect(), sql)
    }

    /// The text column `t` of every row `sql` selects.
    pub fn texts(&self, sql: &str) -> Vec<String> {
        texts(&mut self.connect(), sql)
    }
}

/// A connection to a test database URL (`postgres://...` or `sqlite://PATH`),
/// with the session settings auth-service's connections have: UTC on
/// PostgreSQL (timestamps cross as wall-clock values), foreign keys and a busy
/// timeout on SQLite.
pub fn connect(url: &str) -> DbConnection {
    let mut conn = if let Some(path) = url.strip_prefix("sqlite://") {
        DbConnection::Sqlite(
            SqliteConnection::establish(path).unwrap_or_else(|e| panic!("connect {url}: {e}")),
        )
    } else {
        DbConnection::Postgres(
            PgConnection::establish(url).unwrap_or_else(|e| panic!("connect {url}: {e}")),
        )
    };
    let session = match conn {
        DbConnection::Postgres(_) => "SET TIME ZONE 'UTC'",
        DbConnection::Sqlite(_) => "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000",
    };
    conn.batch(session)
        .unwrap_or_else(|e| panic!("session settings on {url}: {e}"));
    conn
}

/// `SELECT COUNT(*) FROM {from}` (`from` may carry a WHERE clause).
pub fn count(conn: &mut DbConnection, from: &str) -> i64 {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {from}"))
        .get_result::<Count>(conn)
        .unwrap_or_else(|e| panic!("count {from}: {e}"))
        .n
}

/// Runs one statement; returns the rows it affected.
pub fn execute(conn: &mut DbConnection, sql: &str) -> usize {
    diesel::sql_query(sql)
        .execute(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// The text column `t` of every row `sql` selects.
pub fn texts(conn: &mut DbConnection, sql: &str) -> Vec<String> {
    diesel::sql_query(sql)
        .load::<TextRow>(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .into_iter()
        .map(|row| row.t)
        .collect()
}

#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    t: String,
}

/// A string as an SQL literal.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
            return;
        }
        if let Ok(mut conn) = PgConnection::establish(&postgres_admin_url()) {
            let _ = diesel::sql_query(format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.name
            ))
            .execute(&mut conn);
        }
    }
}
