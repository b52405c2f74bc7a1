//! A fresh database per test, so tests run in parallel and never see each
//! other's rows: a PostgreSQL database created for the test and dropped after
//! it, or a SQLite file in a temporary directory.

use auth_service::db::{DatabaseTarget, DbConnection, migrations};
use diesel::{Connection, PgConnection, RunQueryDsl};
use std::path::PathBuf;

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

impl TestDb {
    /// A new, migrated, empty database.
    pub fn create(backend: Backend) -> Self {
        let name = format!("tp_test_{}", uuid::Uuid::new_v4().simple());
        let db = match backend {
            Backend::Postgres => {
                let admin = postgres_admin_url();
                let mut conn = PgConnection::establish(&admin)
                    .unwrap_or_else(|e| panic!("PostgreSQL at {admin}: {e}"));
                diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
                    .execute(&mut conn)
                    .unwrap_or_else(|e| panic!("CREATE DATABASE {name}: {e}"));
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
                Self {
                    backend,
                    url: format!("{base}/{name}"),
                    name,
                    dir: None,
                }
            }
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(&name);
                std::fs::create_dir_all(&dir).expect("temp dir");
                let file = dir.join("db.sqlite3");
                Self {
                    backend,
                    url: format!("sqlite://{}", file.display()),
                    name,
                    dir: Some(dir),
                }
            }
        };
        let mut conn = db.connect();
        migrations::run(&mut conn).expect("migrations");
        db
    }

    /// A connection outside the apps' pools, for arranging and inspecting rows.
    pub fn connect(&self) -> DbConnection {
        DatabaseTarget::from_url(Some(&self.url))
            .and_then(|t| t.connect().map_err(|e| e.to_string()))
            .unwrap_or_else(|e| panic!("connect {}: {e}", self.url))
    }
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
