//! The write transaction both engines need for the writes that decide races
//! (rotation, revocation, flushing).

use diesel::Connection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};

use super::DbConnection;

/// Run `work` in one write transaction: PostgreSQL's `BEGIN` (READ COMMITTED),
/// SQLite's `BEGIN IMMEDIATE` (the write lock taken at once: two deferred
/// transactions that both read and then write would fail to upgrade instead of
/// waiting for each other). Committed when `work` returns `Ok`, rolled back otherwise.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    if matches!(conn, DbConnection::Postgres(_)) {
        return conn.transaction(work);
    }
    begun_with(conn, "BEGIN IMMEDIATE", work)
}

/// [`write_transaction`] whose PostgreSQL `BEGIN` carries `then`, statements without
/// parameters (advisory locks) sent with it in one round trip (the simple query
/// protocol runs them in order; each later statement of the transaction sees what
/// committed before they returned). SQLite's `BEGIN IMMEDIATE` ignores them: it
/// holds the database's write lock.
pub fn write_transaction_then<T, E, F>(conn: &mut DbConnection, then: &str, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Postgres(_) if then.is_empty() => begun_with(conn, "BEGIN", work),
        DbConnection::Postgres(_) => begun_with(conn, &format!("BEGIN; {then}"), work),
        DbConnection::Sqlite(_) => begun_with(conn, "BEGIN IMMEDIATE", work),
    }
}

/// `begin`, then `work`, then COMMIT (or ROLLBACK when `work` or COMMIT fails), as
/// diesel's `transaction` does it.
fn begun_with<T, E, F>(conn: &mut DbConnection, begin: &str, work: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    fn commit<C>(c: &mut C) -> diesel::QueryResult<()>
    where
        C: Connection<TransactionManager = AnsiTransactionManager>,
    {
        AnsiTransactionManager::commit_transaction(c).inspect_err(|_| {
            // a failed COMMIT leaves the transaction open: roll it back before reporting
            let _ = AnsiTransactionManager::rollback_transaction(c);
        })
    }
    match conn {
        DbConnection::Postgres(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, begin).inspect_err(|_| {
                // a statement after BEGIN failed (a lock timeout): the server's transaction
                // is open and aborted, while diesel counts none
                let _ = diesel::connection::SimpleConnection::batch_execute(c, "ROLLBACK");
            })?
        }
        DbConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, begin)?,
    }
    let outcome = work(conn);
    match (outcome, conn) {
        (Ok(value), DbConnection::Postgres(c)) => commit(c).map(|()| value).map_err(Into::into),
        (Ok(value), DbConnection::Sqlite(c)) => commit(c).map(|()| value).map_err(Into::into),
        (Err(e), DbConnection::Postgres(c)) => {
            AnsiTransactionManager::rollback_transaction(c)?;
            Err(e)
        }
        (Err(e), DbConnection::Sqlite(c)) => {
            AnsiTransactionManager::rollback_transaction(c)?;
            Err(e)
        }
    }
}
