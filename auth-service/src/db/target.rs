//! Where the data lives (`DATABASE_URL`), and how one connection to it is made
//! and prepared.

use diesel::connection::{CacheSize, SimpleConnection};
use diesel::{Connection, PgConnection, SqliteConnection};
use std::time::Duration;

use super::error::{ConnectError, DbError};
use super::{DbConnection, sqlite_file};
use crate::settings::{DatabaseSettings, PoolMode};

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
    /// Whether a transaction pooler sits in front of PostgreSQL (`db::pgbouncer`).
    pub pool_mode: PoolMode,
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
                pool_mode: PoolMode::Session,
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
            pool_mode: PoolMode::Session,
        }
    }

    /// The target `DATABASE_URL` and `TOKENPAIR__DB_POOL_MODE` name.
    pub fn from_settings(database: &DatabaseSettings) -> Result<Self, String> {
        let target = Self::from_url(database.url.as_ref().map(|s| s.expose()))?;
        Ok(Self {
            pool_mode: database.pool_mode,
            ..target
        })
    }

    /// Open one connection outside the pool (CLI commands, tests). No statement
    /// timeout: a migration may rightly take long.
    pub fn connect(&self) -> Result<DbConnection, DbError> {
        self.open(None)
            .map_err(|e| DbError::Unavailable(e.to_string()))
    }

    /// The one place connections are made, with the session settings of `prepare`.
    pub(super) fn open(
        &self,
        statement_timeout: Option<Duration>,
    ) -> Result<DbConnection, ConnectError> {
        // Through the concrete types: MultiConnection::establish replaces libpq's
        // and SQLite's explanations with a generic "invalid connection url".
        let mut conn = match self.engine {
            Engine::Postgres => {
                let mut conn = PgConnection::establish(&self.connect)?;
                if self.pool_mode == PoolMode::Transaction {
                    // A named statement lives on one server connection, and the next
                    // statement may run on another. Uncached, diesel (2.3+) sends each
                    // query with PQsendQueryParams: parse, bind and execute in one round trip.
                    conn.set_prepared_statement_cache_size(CacheSize::Disabled);
                }
                DbConnection::Postgres(conn)
            }
            Engine::Sqlite => {
                // Owner-only before SQLite creates it (and so its -wal/-shm/-journal).
                sqlite_file::create_private(&self.connect)
                    .map_err(|e| ConnectError(format!("{}: {e}", self.connect)))?;
                DbConnection::Sqlite(SqliteConnection::establish(&self.connect)?)
            }
        };
        prepare(&mut conn, statement_timeout, self.pool_mode)?;
        Ok(conn)
    }

    /// The target the pool connects to: libpq's connect timeout and TCP keepalives
    /// added where the URL does not set them, so neither a connection attempt nor
    /// a wait on a silently vanished server can block a thread for minutes.
    pub(super) fn with_client_timeouts(&self) -> Self {
        let mut target = self.clone();
        if self.engine == Engine::Postgres {
            let env_timeout = std::env::var_os("PGCONNECT_TIMEOUT").is_some();
            for (key, value) in PG_CLIENT_TIMEOUTS {
                if *key == "connect_timeout" && env_timeout {
                    continue;
                }
                target.connect = with_default_param(&target.connect, key, value);
            }
        }
        target
    }
}

/// libpq parameters (seconds; `tcp_user_timeout` in ms) the pool's connections get
/// unless the URL sets them. libpq treats a connect_timeout below 2 as 2.
const PG_CLIENT_TIMEOUTS: &[(&str, &str)] = &[
    ("connect_timeout", "2"),
    ("keepalives_idle", "5"),
    ("keepalives_interval", "2"),
    ("keepalives_count", "3"),
    ("tcp_user_timeout", "10000"),
];

/// `url` with `key=value` appended to its query unless the query has `key`.
fn with_default_param(url: &str, key: &str, value: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let present = query.is_some_and(|q| {
        q.split('&')
            .any(|param| param.split('=').next() == Some(key))
    });
    match query {
        _ if present => url.to_owned(),
        Some("") => format!("{base}?{key}={value}"),
        Some(query) => format!("{base}?{query}&{key}={value}"),
        None => format!("{base}?{key}={value}"),
    }
}

/// Session settings every connection needs; `statement_timeout` bounds each
/// statement of the server's connections.
fn prepare(
    conn: &mut DbConnection,
    statement_timeout: Option<Duration>,
    pool_mode: PoolMode,
) -> diesel::QueryResult<()> {
    match conn {
        // Timestamps cross the wire as UTC wall-clock values (MultiConnection has no
        // timestamptz); a UTC session makes PostgreSQL store them as the instants they are.
        // PgBouncer remembers a client's TimeZone and sets it on every server connection
        // it lends that client, so this holds in transaction pooling too.
        DbConnection::Postgres(c) => {
            c.batch_execute("SET TIME ZONE 'UTC'")?;
            // Behind a transaction pooler a SET would change whichever server connection
            // ran it, for its later borrowers: the limits come from the role or
            // database instead, checked at start-up (`db::pgbouncer`).
            if pool_mode == PoolMode::Transaction {
                return Ok(());
            }
            // lock_timeout too: a statement waiting on a lock then fails with the lock
            // named in the error, and never outlives the statement limit. The CLI's
            // connections (no limit) set 0 explicitly: a role may carry limits meant for
            // the servers behind PgBouncer, and a migration may rightly take long.
            let ms = statement_timeout.map_or(0, |limit| limit.as_millis().max(1));
            c.batch_execute(&format!(
                "SET statement_timeout = {ms}; SET lock_timeout = {ms}"
            ))
        }
        // Django turns foreign keys on; the busy timeout turns writer contention into
        // a bounded wait instead of an immediate "database is locked".
        DbConnection::Sqlite(c) => {
            let busy = statement_timeout
                .unwrap_or(CLI_BUSY_TIMEOUT)
                .as_millis()
                .max(1);
            c.batch_execute(&format!(
                "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {busy}"
            ))
        }
    }
}

/// How long the CLI's SQLite connections wait for another writer.
const CLI_BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_timeouts_added_only_where_missing() {
        assert_eq!(
            with_default_param("postgres://u:p@h:5432/db", "connect_timeout", "2"),
            "postgres://u:p@h:5432/db?connect_timeout=2"
        );
        assert_eq!(
            with_default_param("postgres://h/db?sslmode=require", "connect_timeout", "2"),
            "postgres://h/db?sslmode=require&connect_timeout=2"
        );
        assert_eq!(
            with_default_param("postgres://h/db?connect_timeout=10", "connect_timeout", "2"),
            "postgres://h/db?connect_timeout=10"
        );
        assert_eq!(
            with_default_param("postgres://h/db?", "connect_timeout", "2"),
            "postgres://h/db?connect_timeout=2"
        );
        let sqlite = DatabaseTarget::from_url(Some("sqlite://x.db")).unwrap();
        assert_eq!(sqlite.with_client_timeouts(), sqlite);
    }
}
