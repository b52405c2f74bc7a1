//! The database: one code path for PostgreSQL and SQLite through diesel's
//! `MultiConnection`, an r2d2 pool, and a runner that keeps every query off the
//! actix worker threads.

pub mod admin_users;
pub mod blacklist;
pub mod clock;
mod error;
pub mod health;
pub mod issue;
pub mod migrations;
mod pgbouncer;
mod pool;
pub mod revocation;
pub mod revocation_events;
pub mod rotation;
pub mod schema;
mod sqlite_file;
mod target;
mod transaction;
pub mod users;
mod wait;

use diesel::{PgConnection, SqliteConnection};

pub use error::DbError;
pub use pool::{Db, PoolSettings};
pub use target::{DEFAULT_SQLITE_FILE, DatabaseTarget, Engine};
pub use transaction::{write_transaction, write_transaction_then};
pub use wait::{DbWait, connect_waiting};

/// A connection to whichever database `DATABASE_URL` names.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}
