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
    /// COMMIT after `work` succeeded, else ROLLBACK: the same for either engine.
    fn finish<C, T, E>(c: &mut C, outcome: Result<T, E>) -> Result<T, E>
    where
        C: Connection<TransactionManager = AnsiTransactionManager>,
        E: From<diesel::result::Error>,
    {
        match outcome {
            Ok(value) => {
                AnsiTransactionManager::commit_transaction(c).inspect_err(|_| {
                    // a failed COMMIT leaves the transaction open: roll it back before reporting
                    let _ = AnsiTransactionManager::rollback_transaction(c);
                })?;
                Ok(value)
            }
            Err(e) => {
                AnsiTransactionManager::rollback_transaction(c)?;
                Err(e)
            }
        }
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
    match conn {
        DbConnection::Postgres(c) => finish(c, outcome),
        DbConnection::Sqlite(c) => finish(c, outcome),
    }
}
