//! The database: one code path for PostgreSQL and SQLite through diesel's
//! `MultiConnection`, an r2d2 pool, and a runner that keeps every query off the
//! actix worker threads.

pub mod blacklist;
pub mod migrations;
pub mod revocation;
pub mod schema;
mod sqlite_file;
pub mod users;

use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection};
use std::time::Duration;

/// A connection to whichever database `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = Pool<ConnectionManager<DbConnection>>;

/// Which engine a URL selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Postgres,
    Sqlite,
}

/// Where the data lives: a PostgreSQL URL, or a SQLite file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseTarget {
    pub engine: Engine,
    /// What diesel connects to: the URL for PostgreSQL, the file path for SQLite.
    pub connect: String,
}

/// The embedded default, like a new Django project's.
pub const DEFAULT_SQLITE_FILE: &str = "db.sqlite3";

impl DatabaseTarget {
    /// `postgres://`/`postgresql://` select PostgreSQL; `sqlite://PATH` or no URL at
    /// all selects SQLite (`db.sqlite3` in the working directory).
    pub fn from_url(url: Option<&str>) -> Result<Self, String> {
        let Some(url) = url.map(str::trim).filter(|u| !u.is_empty()) else {
            return Ok(Self::sqlite(DEFAULT_SQLITE_FILE));
        };
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self {
                engine: Engine::Postgres,
                connect: url.to_owned(),
            });
        }
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err(
                    "DATABASE_URL: sqlite:// needs a file path, e.g. sqlite://db.sqlite3".into(),
                );
            }
            return Ok(Self::sqlite(path));
        }
        Err("DATABASE_URL: expected postgres://, postgresql:// or sqlite://PATH".into())
    }

    fn sqlite(path: &str) -> Self {
        Self {
            engine: Engine::Sqlite,
            connect: path.to_owned(),
        }
    }

    /// Open one connection outside the pool (CLI commands).
    pub fn connect(&self) -> Result<DbConnection, DbError> {
        // Through the concrete types: MultiConnection::establish replaces libpq's
        // and SQLite's explanations with a generic "invalid connection url".
        let unavailable = |e: diesel::ConnectionError| DbError::Unavailable(e.to_string());
        let mut conn = match self.engine {
            Engine::Postgres => {
                DbConnection::Postgres(PgConnection::establish(&self.connect).map_err(unavailable)?)
            }
            Engine::Sqlite => {
                sqlite_file::create_private(&self.connect)
                    .map_err(|e| DbError::Unavailable(format!("{}: {e}", self.connect)))?;
                DbConnection::Sqlite(
                    SqliteConnection::establish(&self.connect).map_err(unavailable)?,
                )
            }
        };
        prepare(&mut conn).map_err(|e| DbError::Unavailable(e.to_string()))?;
        Ok(conn)
    }

    /// A pool with its size and checkout timeout. One connection is opened first,
    /// directly, so that a wrong URL or an unmigrated database fails at start-up
    /// with the database's own explanation, not at the first login.
    pub fn pool(&self, size: u32, timeout: Duration) -> Result<DbPool, DbError> {
        migrations::require_current(&mut self.connect()?).map_err(DbError::Unavailable)?;
        Pool::builder()
            .max_size(size)
            .min_idle(Some(1))
            .connection_timeout(timeout)
            .connection_customizer(Box::new(Prepare))
            .build(ConnectionManager::new(&self.connect))
            .map_err(|e| DbError::Unavailable(e.to_string()))
    }
}

/// Session settings every connection needs.
fn prepare(conn: &mut DbConnection) -> diesel::QueryResult<()> {
    match conn {
        // Timestamps cross the wire as UTC wall-clock values (MultiConnection has no
        // timestamptz); a UTC session makes PostgreSQL store them as the instants they are.
        DbConnection::Postgres(c) => diesel::sql_query("SET TIME ZONE 'UTC'")
            .execute(c)
            .map(drop),
        // Django turns foreign keys on; the busy timeout turns writer contention into
        // a short wait instead of an immediate "database is locked".
        DbConnection::Sqlite(c) => {
            diesel::sql_query("PRAGMA foreign_keys = ON").execute(c)?;
            diesel::sql_query("PRAGMA busy_timeout = 5000")
                .execute(c)
                .map(drop)
        }
    }
}

#[derive(Debug)]
struct Prepare;

impl CustomizeConnection<DbConnection, diesel::r2d2::Error> for Prepare {
    fn on_acquire(&self, conn: &mut DbConnection) -> Result<(), diesel::r2d2::Error> {
        prepare(conn).map_err(diesel::r2d2::Error::QueryError)
    }
}

/// A database failure.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had in time: the client should retry (503).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Query(#[from] diesel::result::Error),
}

/// Runs diesel work on the blocking pool with a pooled connection.
#[derive(Clone)]
pub struct Db {
    pool: DbPool,
}

impl Db {
    pub fn new(pool: DbPool) -> Self {
        Self { pool }
    }

    pub async fn run<T, F>(&self, work: F) -> Result<T, DbError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, DbError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        actix_web::web::block(move || {
            let _entered = span.enter();
            let mut conn = pool
                .get()
                .map_err(|e| DbError::Unavailable(e.to_string()))?;
            work(&mut conn)
        })
        .await
        .map_err(|e| DbError::Unavailable(format!("blocking pool: {e}")))?
    }
}
