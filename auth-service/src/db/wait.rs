//! Waiting for a database that is not up yet: `migrate` and `serve` are often
//! started beside it (compose, Kubernetes), and PostgreSQL's first start can
//! refuse TCP connections for seconds after its container counts as started.
//! Only "cannot connect" is retried, within `TOKENPAIR__DB_WAIT`: a wrong
//! password, database name or URL fails at once, as waiting would not fix it.

use std::time::{Duration, Instant};

use super::error::{ConnectError, DbError};
use super::{DatabaseTarget, DbConnection, Engine};
use crate::settings::DatabaseSettings;

/// Time between connection attempts.
const RETRY_EVERY: Duration = Duration::from_secs(1);
/// Time between two "still waiting" log lines.
const LOG_EVERY: Duration = Duration::from_secs(5);

/// How long to wait, and the database's name for the log (without its password).
#[derive(Debug, Clone)]
pub struct DbWait {
    pub limit: Duration,
    pub shown_as: String,
}

impl DbWait {
    pub fn from_settings(database: &DatabaseSettings) -> Self {
        Self {
            limit: database.wait,
            shown_as: database
                .url_redacted()
                .unwrap_or_else(|| super::DEFAULT_SQLITE_FILE.to_owned()),
        }
    }
}

/// libpq's words for a server that is not (yet) there, as opposed to one that
/// answers "no". "server closed the connection" is what a proxy in front of a
/// stopped server says (Docker's published ports, PgBouncer).
const CANNOT_CONNECT: &[&str] = &[
    "Connection refused",
    "timeout expired",
    "Connection timed out",
    "server closed the connection unexpectedly",
    "the database system is starting up",
    "the database system is not yet accepting connections",
];

fn cannot_connect(error: &ConnectError) -> bool {
    CANNOT_CONNECT.iter().any(|words| error.0.contains(words))
}

/// One connection (as [`DatabaseTarget::connect`]), retrying for up to `wait.limit`
/// while the server cannot be reached.
pub fn connect_waiting(target: &DatabaseTarget, wait: &DbWait) -> Result<DbConnection, DbError> {
    if target.engine == Engine::Sqlite || wait.limit.is_zero() {
        return target.connect();
    }
    // Each attempt bounded by libpq's connect_timeout, so the wait stays near its limit.
    let bounded = target.with_client_timeouts();
    let started = Instant::now();
    let mut last_log: Option<Instant> = None;
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let error = match bounded.open(None) {
            Ok(conn) => {
                if attempt > 1 {
                    tracing::info!(
                        database = %wait.shown_as,
                        waited_ms = started.elapsed().as_millis() as u64,
                        "database reachable"
                    );
                }
                return Ok(conn);
            }
            Err(e) if cannot_connect(&e) => e,
            Err(e) => return Err(DbError::Unavailable(e.0)),
        };
        let waited = started.elapsed();
        if waited + RETRY_EVERY > wait.limit {
            return Err(DbError::Unavailable(format!(
                "still unreachable after {}s (TOKENPAIR__DB_WAIT={}s): {error}",
                waited.as_secs(),
                wait.limit.as_secs()
            )));
        }
        if last_log.is_none_or(|at| at.elapsed() >= LOG_EVERY) {
            last_log = Some(Instant::now());
            tracing::warn!(
                database = %wait.shown_as,
                attempt,
                waited_s = waited.as_secs(),
                wait_s = wait.limit.as_secs(),
                error = %error,
                "waiting for the database to accept connections"
            );
        }
        std::thread::sleep(RETRY_EVERY);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_absent_server_is_waited_for() {
        let error = |m: &str| ConnectError(m.to_owned());
        for absent in [
            "connection to server at \"127.0.0.1\", port 5432 failed: Connection refused Is the server running on that host and accepting TCP/IP connections?",
            "timeout expired",
            "server closed the connection unexpectedly This probably means the server terminated abnormally",
            "connection to server at \"db\" (10.0.0.2), port 5432 failed: FATAL: the database system is starting up",
        ] {
            assert!(cannot_connect(&error(absent)), "{absent}");
        }
        for refused in [
            "connection to server at \"127.0.0.1\", port 5432 failed: FATAL: password authentication failed for user \"tokenpair\"",
            "connection to server at \"127.0.0.1\", port 5432 failed: FATAL: database \"nope\" does not exist",
            "could not translate host name \"postgress\" to address: Name or service not known",
            "invalid connection url",
        ] {
            assert!(!cannot_connect(&error(refused)), "{refused}");
        }
    }

    #[test]
    fn no_wait_on_a_refused_port_fails_at_once() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let target =
            DatabaseTarget::from_url(Some(&format!("postgres://u@127.0.0.1:{port}/db"))).unwrap();
        let wait = |secs| DbWait {
            limit: Duration::from_secs(secs),
            shown_as: "db".into(),
        };
        let started = Instant::now();
        assert!(connect_waiting(&target, &wait(0)).is_err());
        assert!(started.elapsed() < Duration::from_secs(1));
        let error = connect_waiting(&target, &wait(2))
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains("still unreachable after"), "{error}");
        assert!(started.elapsed() >= Duration::from_secs(1));
    }
}
