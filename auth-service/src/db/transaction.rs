//! The write transaction both engines need for the writes that decide races
//! (rotation, revocation, flushing).

use diesel::Connection;

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
    use diesel::connection::{AnsiTransactionManager, TransactionManager};
    if matches!(conn, DbConnection::Postgres(_)) {
        return conn.transaction(work);
    }
    if let DbConnection::Sqlite(c) = conn {
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
    }
    let outcome = work(conn);
    let DbConnection::Sqlite(c) = conn else {
        // The engine of a connection does not change: not reached.
        return outcome;
    };
    match outcome {
        Ok(value) => {
            if let Err(e) = AnsiTransactionManager::commit_transaction(c) {
                // diesel's `transaction` does the same: a failed COMMIT leaves the
                // transaction open; roll it back before reporting
                let _ = AnsiTransactionManager::rollback_transaction(c);
                return Err(e.into());
            }
            Ok(value)
        }
        Err(e) => {
            AnsiTransactionManager::rollback_transaction(c)?;
            Err(e)
        }
    }
}
