//! What a login writes (simplejwt's obtain serializer): the new token's outstanding
//! row (`RefreshToken.for_user` with the blacklist app), with reuse detection its own
//! new family, and with `UPDATE_LAST_LOGIN` the user's `last_login`, all in one
//! transaction. Django writes them in separate autocommits; one commit is what the
//! database can do fastest, and a login either leaves all of its rows or none.
//!
//! On PostgreSQL one statement (CTEs shared with rotation: [`blacklist::ISSUE_CTE`]),
//! so one round trip and one commit, prepared once per connection unless PgBouncer's
//! transaction mode forbids it. SQLite runs the same writes in a write transaction.

use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::sql_types::Text;

use super::blacklist::{self, NewOutstanding};
use super::{DbConnection, users, write_transaction};

/// A login to record.
#[derive(Debug)]
pub struct Login {
    /// The new token's outstanding row (the blacklist app is on).
    pub row: NewOutstanding,
    /// Reuse detection: the token starts a family of its own (named by its jti).
    pub family: bool,
    /// `UPDATE_LAST_LOGIN`: the user's `last_login` becomes the row's `created_at`.
    pub last_login: bool,
}

/// Record `login` in one transaction (see the module documentation).
pub fn record(conn: &mut DbConnection, login: &Login) -> QueryResult<()> {
    match conn {
        DbConnection::Postgres(c) => Statement(login).execute(c).map(drop),
        DbConnection::Sqlite(_) => write_transaction(conn, |conn| {
            let row = &login.row;
            blacklist::outstand(conn, row)?;
            if login.family {
                blacklist::join_family(conn, &row.jti, &row.jti)?;
            }
            if let (true, Some(id), Some(at)) = (login.last_login, row.user_id, row.created_at) {
                users::touch_last_login(conn, id, at)?;
            }
            Ok(())
        }),
    }
}

/// PostgreSQL's login statement: `p` (the new token, its family, the user, the time),
/// then the outstanding row, the family row and the `last_login` update as CTEs (all
/// of which run, referenced or not).
struct Statement<'a>(&'a Login);

const LAST_LOGIN: &str = ", \
touched AS (UPDATE auth_user SET last_login = p.at FROM p WHERE auth_user.id = p.user_id)";

impl QueryFragment<Pg> for Statement<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let login = self.0;
        let row = &login.row;
        out.push_sql("WITH p AS (SELECT ");
        blacklist::bind_token(&mut out, row, "new")?;
        // a login's family is named by its first token
        out.push_bind_param::<Text, _>(&row.jti)?;
        out.push_sql("::text AS family, ");
        blacklist::bind_user_at(&mut out, &row.user_id, &row.created_at)?;
        out.push_sql(")");
        out.push_sql(blacklist::ISSUE_CTE);
        if login.family {
            out.push_sql(blacklist::NEW_MEMBER_CTE);
        }
        if login.last_login {
            out.push_sql(LAST_LOGIN);
        }
        out.push_sql(" SELECT 1");
        Ok(())
    }
}

// No static query id: diesel's statement cache keys it by its SQL (four variants).
impl QueryId for Statement<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl RunQueryDsl<PgConnection> for Statement<'_> {}
