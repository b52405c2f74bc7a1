//! simplejwt's `OutstandingToken` / `BlacklistedToken` rows, and our token
//! families. Every write that decides a race is an INSERT against a UNIQUE
//! column (`ON CONFLICT DO NOTHING`, so that inside a transaction a lost race is
//! an answer, not an aborted transaction), never a read-then-write: the database
//! picks exactly one winner, on one instance or many.
//!
//! Outstanding rows hold `header.payload` only, never the signature: every lookup
//! goes by `jti`, and whoever reads a backup, a replica or `db.sqlite3` must not be
//! able to replay the sessions in it.

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{Bool, Integer, Nullable, Text, Timestamp};

use super::schema::{
    token_blacklist_blacklistedtoken as blacklisted,
    token_blacklist_outstandingtoken as outstanding, tokenpair_family_revocation,
    tokenpair_token_family as family,
};
use super::{DbConnection, write_transaction};

/// An `OutstandingToken` row to record.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = outstanding)]
pub struct NewOutstanding {
    /// `header.payload`: see [`unsigned`].
    pub token: String,
    pub created_at: Option<NaiveDateTime>,
    pub expires_at: NaiveDateTime,
    pub user_id: Option<i32>,
    pub jti: String,
}

/// What an outstanding row stores of a token: its signing input (`header.payload`),
/// without the signature that would let a reader of the database replay it.
pub fn unsigned(token: &str) -> &str {
    token.rsplit_once('.').map_or(token, |(input, _)| input)
}

/// `INSERT ... ON CONFLICT DO NOTHING` on either engine; `Ok(false)`: a row with the
/// same unique key exists (or a concurrent transaction inserting it committed).
macro_rules! insert_unless_present {
    ($conn:expr, $table:expr, $values:expr) => {
        match $conn {
            DbConnection::Postgres(c) => diesel::insert_into($table)
                .values($values)
                .on_conflict_do_nothing()
                .execute(c),
            DbConnection::Sqlite(c) => diesel::insert_into($table)
                .values($values)
                .on_conflict_do_nothing()
                .execute(c),
        }
        .map(|inserted| inserted > 0)
    };
}

/// `BlacklistedToken.objects.filter(token__jti=jti).exists()` as an expression,
/// to select on its own or beside other columns.
#[diesel::dsl::auto_type]
pub fn listed<'a>(jti: &'a str) -> _ {
    diesel::dsl::exists(
        blacklisted::table
            .inner_join(outstanding::table)
            .filter(outstanding::jti.eq(jti)),
    )
}

/// [`listed`] for an optional jti (`None`: false, SQL's `= NULL` matches nothing).
#[diesel::dsl::auto_type]
pub fn listed_maybe<'a>(jti: Option<&'a str>) -> _ {
    diesel::dsl::exists(
        blacklisted::table
            .inner_join(outstanding::table)
            .filter(outstanding::jti.nullable().eq(jti)),
    )
}

pub fn is_blacklisted(conn: &mut DbConnection, jti: &str) -> QueryResult<bool> {
    diesel::select(listed(jti)).get_result(conn)
}

/// Record an issued refresh or sliding token. A jti already recorded (a token
/// minted elsewhere and refreshed here) is left as it is.
pub fn outstand(conn: &mut DbConnection, row: &NewOutstanding) -> QueryResult<()> {
    insert_unless_present!(conn, outstanding::table, row).map(drop)
}

/// The outstanding row's id for a jti, created from `row` when missing
/// (simplejwt's `get_or_create` in `blacklist()`).
pub fn ensure_outstanding(conn: &mut DbConnection, row: &NewOutstanding) -> QueryResult<i64> {
    let query = outstanding::table
        .filter(outstanding::jti.eq(&row.jti))
        .select(outstanding::id);
    if let Some(id) = query.first::<i64>(conn).optional()? {
        return Ok(id);
    }
    outstand(conn, row)?;
    query.first(conn)
}

/// simplejwt's `token.blacklist()`: the outstanding row for `row.jti` (created from
/// `row` when missing), then its blacklist row. `Ok(false)`: it already was
/// blacklisted (a concurrent call won). PostgreSQL: one statement ([`Spend`]);
/// SQLite: a write transaction.
pub fn spend(
    conn: &mut DbConnection,
    row: &NewOutstanding,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    match conn {
        DbConnection::Postgres(c) => Spend { row, at }.get_result(c),
        DbConnection::Sqlite(_) => write_transaction(conn, |conn| {
            let id = ensure_outstanding(conn, row)?;
            blacklist(conn, id, at)
        }),
    }
}

/// The CTEs that spend a token, after a `p` of `old_jti`, `old_token`, `old_exp`,
/// `user_id` and `at`: its outstanding row (`old`, or `old_created` when missing:
/// simplejwt's `get_or_create`), then its blacklist row (`spent`, empty when it was
/// blacklisted already). An outstanding row another transaction committed after this
/// statement's snapshot is in neither `old` nor `old_created` (its insert conflicts):
/// only a concurrent blacklist or rotation of the same token creates one, and it
/// blacklists the token in the same transaction, so "already blacklisted" is right.
pub(super) const SPEND_CTES: &str = ", \
old AS (SELECT o.id FROM token_blacklist_outstandingtoken o, p WHERE o.jti = p.old_jti), \
old_created AS (INSERT INTO token_blacklist_outstandingtoken (token, created_at, expires_at, user_id, jti) \
    SELECT old_token, at, old_exp, user_id, old_jti FROM p WHERE NOT EXISTS (SELECT 1 FROM old) \
    ON CONFLICT (jti) DO NOTHING RETURNING id), \
spent AS (INSERT INTO token_blacklist_blacklistedtoken (blacklisted_at, token_id) \
    SELECT p.at, t.id FROM p, (SELECT id FROM old UNION ALL SELECT id FROM old_created) t \
    ON CONFLICT (token_id) DO NOTHING RETURNING 1)";

/// The CTE that records a token just issued (a login's or a rotation's new one), after
/// a `p` of `new_jti`, `new_token`, `new_exp`, `user_id` and `at`. A jti already
/// recorded (a retried statement) is left as it is, like [`outstand`].
pub(super) const ISSUE_CTE: &str = ", \
issued AS (INSERT INTO token_blacklist_outstandingtoken (token, created_at, expires_at, user_id, jti) \
    SELECT new_token, at, new_exp, user_id, new_jti FROM p ON CONFLICT (jti) DO NOTHING)";

/// The CTE that puts the new token in `p`'s `family` ([`join_family`]).
pub(super) const NEW_MEMBER_CTE: &str = ", \
new_member AS (INSERT INTO tokenpair_token_family (jti, family) \
    SELECT new_jti, family FROM p ON CONFLICT (jti) DO NOTHING)";

/// Bind `row` as the columns `{side}_jti`, `{side}_token`, `{side}_exp` of a
/// statement's `p` (each followed by ", "): the names the CTEs above read.
pub(super) fn bind_token<'b>(
    out: &mut AstPass<'_, 'b, Pg>,
    row: &'b NewOutstanding,
    side: &str,
) -> QueryResult<()> {
    out.push_bind_param::<Text, _>(&row.jti)?;
    out.push_sql(&format!("::text AS {side}_jti, "));
    out.push_bind_param::<Text, _>(&row.token)?;
    out.push_sql(&format!("::text AS {side}_token, "));
    out.push_bind_param::<Timestamp, _>(&row.expires_at)?;
    out.push_sql(&format!("::timestamp AS {side}_exp, "));
    Ok(())
}

/// Bind `p`'s `user_id` and `at` (the last of its columns: no ", " after them); `at`
/// a `NaiveDateTime` or an `Option` of one.
pub(super) fn bind_user_at<'b, At>(
    out: &mut AstPass<'_, 'b, Pg>,
    user_id: &'b Option<i32>,
    at: &'b At,
) -> QueryResult<()>
where
    At: ToSql<Nullable<Timestamp>, Pg>,
{
    out.push_bind_param::<Nullable<Integer>, _>(user_id)?;
    out.push_sql("::integer AS user_id, ");
    out.push_bind_param::<Nullable<Timestamp>, _>(at)?;
    out.push_sql("::timestamp AS at");
    Ok(())
}

/// [`spend`] on PostgreSQL: one statement (so one transaction), prepared once per
/// connection (diesel's statement cache) unless PgBouncer's transaction mode forbids it.
struct Spend<'a> {
    row: &'a NewOutstanding,
    at: NaiveDateTime,
}

impl QueryFragment<Pg> for Spend<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("WITH p AS (SELECT ");
        bind_token(&mut out, self.row, "old")?;
        bind_user_at(&mut out, &self.row.user_id, &self.at)?;
        out.push_sql(")");
        out.push_sql(SPEND_CTES);
        out.push_sql(" SELECT EXISTS (SELECT 1 FROM spent)");
        Ok(())
    }
}

// No static query id: diesel's statement cache keys it by its SQL.
impl QueryId for Spend<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Spend<'_> {
    type SqlType = Bool;
}

impl RunQueryDsl<PgConnection> for Spend<'_> {}

/// Blacklist an outstanding token. `Ok(false)`: it already was (another
/// request won the race).
pub fn blacklist(conn: &mut DbConnection, token_id: i64, at: NaiveDateTime) -> QueryResult<bool> {
    insert_unless_present!(
        conn,
        blacklisted::table,
        (
            blacklisted::token_id.eq(token_id),
            blacklisted::blacklisted_at.eq(at),
        )
    )
}

/// Strip the signature of every outstanding row that still has one: rows simplejwt
/// writes on a shared database hold whole tokens. The same SQL as the migration
/// `2026-12-03-000006_revocation`.
pub fn strip_signatures(conn: &mut DbConnection) -> QueryResult<usize> {
    match conn {
        DbConnection::Postgres(c) => diesel::sql_query(
            "UPDATE token_blacklist_outstandingtoken \
                SET token = split_part(token, '.', 1) || '.' || split_part(token, '.', 2) \
              WHERE token LIKE '%.%.%'",
        )
        .execute(c),
        DbConnection::Sqlite(c) => diesel::sql_query(
            "UPDATE token_blacklist_outstandingtoken \
                SET token = substr(token, 1, instr(token, '.') \
                                   + instr(substr(token, instr(token, '.') + 1), '.') - 1) \
              WHERE instr(substr(token, instr(token, '.') + 1), '.') > 0",
        )
        .execute(c),
    }
}

/// `flushexpiredtokens`: outstanding rows with `expires_at <= now` and their
/// blacklist rows (Django cascades in application code, so do we); the revocation
/// times of families with no token left; and the signatures of rows written whole
/// (by simplejwt on a shared database) are stripped.
pub fn flush_expired(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    write_transaction(conn, |conn| {
        strip_signatures(conn)?;
        let expired = outstanding::table
            .filter(outstanding::expires_at.le(now))
            .select(outstanding::id);
        diesel::delete(blacklisted::table.filter(blacklisted::token_id.eq_any(expired)))
            .execute(conn)?;
        let orphans = family::table.filter(
            family::jti.eq_any(
                outstanding::table
                    .filter(outstanding::expires_at.le(now))
                    .select(outstanding::jti),
            ),
        );
        diesel::delete(orphans).execute(conn)?;
        diesel::delete(tokenpair_family_revocation::table.filter(diesel::dsl::not(
            tokenpair_family_revocation::family.eq_any(family::table.select(family::family)),
        )))
        .execute(conn)?;
        diesel::delete(outstanding::table.filter(outstanding::expires_at.le(now))).execute(conn)
    })
}

/// Put a token in a family (its login's). Idempotent.
pub fn join_family(conn: &mut DbConnection, jti: &str, family_id: &str) -> QueryResult<()> {
    insert_unless_present!(
        conn,
        family::table,
        (family::jti.eq(jti), family::family.eq(family_id))
    )
    .map(drop)
}

/// The family of a token and when it was rotated, if it is in one.
pub fn family_of(
    conn: &mut DbConnection,
    jti: &str,
) -> QueryResult<Option<(String, Option<NaiveDateTime>)>> {
    family::table
        .find(jti)
        .select((family::family, family::rotated_at))
        .first(conn)
        .optional()
}

/// Mark a token as spent by rotation (first time only).
pub fn mark_rotated(conn: &mut DbConnection, jti: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(family::table.find(jti).filter(family::rotated_at.is_null()))
        .set(family::rotated_at.eq(Some(at)))
        .execute(conn)
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsigned_keeps_the_signing_input() {
        assert_eq!(unsigned("aaa.bbb.ccc"), "aaa.bbb");
        assert_eq!(unsigned("plain"), "plain");
    }
}
