//! What can go wrong with the database, told apart: a connection not made, a
//! database unavailable for now (the client retries: 503), a query that failed.

/// Why a connection could not be made: the database's own words, on one line.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConnectError(pub(super) String);

impl From<diesel::ConnectionError> for ConnectError {
    fn from(e: diesel::ConnectionError) -> Self {
        Self(one_line(&e.to_string()))
    }
}

impl From<diesel::result::Error> for ConnectError {
    fn from(e: diesel::result::Error) -> Self {
        Self(one_line(&e.to_string()))
    }
}

/// libpq's messages span lines ("...failed: Connection refused\n\tIs the server running...").
fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A database failure.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had in time, or the database gave up on a statement
    /// (statement or lock timeout, lost connection): the client should retry (503).
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The database is known to be down (the outage is logged once, when it
    /// starts): 503 at once.
    #[error("database down")]
    Down,
    #[error(transparent)]
    Query(diesel::result::Error),
}

impl From<diesel::result::Error> for DbError {
    fn from(e: diesel::result::Error) -> Self {
        if is_transient(&e) {
            Self::Unavailable(one_line(&e.to_string()))
        } else {
            Self::Query(e)
        }
    }
}

/// Errors that say "not now" rather than "this is wrong": a retry may succeed.
/// PostgreSQL's SQLSTATE is not exposed by diesel, so timeouts are told by their
/// (English) message; the message is logged whatever the verdict.
fn is_transient(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as Kind, Error};
    const NOT_NOW: &[&str] = &[
        // PostgreSQL 57014 (statement_timeout, pg_cancel_backend) and 55P03 (lock_timeout)
        "canceling statement due to",
        "terminating connection due to",
        "deadlock detected",
        // SQLite's SQLITE_BUSY / SQLITE_LOCKED after busy_timeout
        "database is locked",
        "database table is locked",
    ];
    match e {
        Error::DatabaseError(
            Kind::ClosedConnection | Kind::UnableToSendCommand | Kind::SerializationFailure,
            _,
        )
        | Error::BrokenTransactionManager => true,
        Error::DatabaseError(_, info) => NOT_NOW.iter().any(|m| info.message().contains(m)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_and_lost_connections_are_transient() {
        use diesel::result::{DatabaseErrorKind as Kind, Error};
        let db = |kind, message: &str| Error::DatabaseError(kind, Box::new(message.to_owned()));
        for transient in [
            db(
                Kind::Unknown,
                "canceling statement due to statement timeout",
            ),
            db(Kind::Unknown, "canceling statement due to lock timeout"),
            db(Kind::Unknown, "database is locked"),
            db(
                Kind::ClosedConnection,
                "server closed the connection unexpectedly",
            ),
        ] {
            assert!(matches!(DbError::from(transient), DbError::Unavailable(_)));
        }
        for bug in [
            db(Kind::Unknown, "syntax error at or near \"SELEC\""),
            db(Kind::UniqueViolation, "duplicate key"),
            Error::NotFound,
        ] {
            assert!(matches!(DbError::from(bug), DbError::Query(_)));
        }
    }
}
