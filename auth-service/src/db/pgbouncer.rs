//! Running behind PgBouncer in transaction pooling (`TOKENPAIR__DB_POOL_MODE=transaction`).
//!
//! There each transaction, and each statement outside one, may run on a different
//! server connection, so nothing may rely on a session outliving a transaction:
//! - diesel's named prepared statements: off in this mode (`db::target`);
//! - `SET TIME ZONE 'UTC'`: kept, PgBouncer tracks TimeZone per client;
//! - `statement_timeout`/`lock_timeout`: a `SET` would stick to one server
//!   connection, so they must come with every server connection, from the role or
//!   the database (`ALTER ROLE … SET statement_timeout = '5s'`). [`require_bounded`]
//!   refuses to start without one, since every wait on the database must be bounded;
//! - locks: rotation and revocation take transaction-level advisory locks only
//!   (`pg_advisory_xact_lock*`, `db::revocation`), released at commit as the pooler
//!   expects; nothing uses LISTEN, temporary tables or session advisory locks.

use diesel::{QueryableByName, RunQueryDsl};

use super::DbConnection;

#[derive(QueryableByName)]
struct Limit {
    #[diesel(sql_type = diesel::sql_types::Text)]
    setting: String,
}

/// `Err` when statements on `conn` run without a server-side time limit (a
/// `statement_timeout` of 0). Only PostgreSQL has one; SQLite passes.
pub fn require_bounded(conn: &mut DbConnection) -> Result<(), String> {
    let DbConnection::Postgres(c) = conn else {
        return Ok(());
    };
    let limit =
        diesel::sql_query("SELECT setting FROM pg_settings WHERE name = 'statement_timeout'")
            .get_result::<Limit>(c)
            .map_err(|e| format!("cannot read statement_timeout: {e}"))?;
    if limit.setting.trim() != "0" {
        return Ok(());
    }
    Err(
        "TOKENPAIR__DB_POOL_MODE=transaction: the server runs our statements without a \
         statement_timeout. A transaction pooler cannot carry per-session settings, so give \
         the role (or database) its limits, e.g. ALTER ROLE tokenpair SET statement_timeout = \
         '5s'; ALTER ROLE tokenpair SET lock_timeout = '5s' (see docs/deployment.md)"
            .into(),
    )
}
