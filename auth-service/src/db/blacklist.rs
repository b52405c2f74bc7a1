//! simplejwt's `OutstandingToken` / `BlacklistedToken` rows, and our token
//! families. Every write that decides a race is a plain INSERT against a UNIQUE
//! column, never a read-then-write: the database picks exactly one winner, on
//! one instance or many.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error};

use super::DbConnection;
use super::schema::{
    token_blacklist_blacklistedtoken as blacklisted,
    token_blacklist_outstandingtoken as outstanding, tokenpair_token_family as family,
};

/// An `OutstandingToken` row to record.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = outstanding)]
pub struct NewOutstanding {
    pub token: String,
    pub created_at: Option<NaiveDateTime>,
    pub expires_at: NaiveDateTime,
    pub user_id: Option<i32>,
    pub jti: String,
}

fn unique_violation(result: QueryResult<usize>) -> QueryResult<bool> {
    match result {
        Ok(_) => Ok(true),
        Err(Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(false),
        Err(e) => Err(e),
    }
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

pub fn is_blacklisted(conn: &mut DbConnection, jti: &str) -> QueryResult<bool> {
    diesel::select(listed(jti)).get_result(conn)
}

/// Record an issued refresh or sliding token. A jti already recorded (a token
/// minted elsewhere and refreshed here) is left as it is.
pub fn outstand(conn: &mut DbConnection, row: &NewOutstanding) -> QueryResult<()> {
    unique_violation(
        diesel::insert_into(outstanding::table)
            .values(row)
            .execute(conn),
    )
    .map(drop)
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

/// Blacklist an outstanding token. `Ok(false)`: it already was (another
/// request won the race).
pub fn blacklist(conn: &mut DbConnection, token_id: i64, at: NaiveDateTime) -> QueryResult<bool> {
    unique_violation(
        diesel::insert_into(blacklisted::table)
            .values((
                blacklisted::token_id.eq(token_id),
                blacklisted::blacklisted_at.eq(at),
            ))
            .execute(conn),
    )
}

/// Blacklist every outstanding token of a user not blacklisted yet; returns how many.
pub fn blacklist_user(
    conn: &mut DbConnection,
    user_id: i32,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let ids: Vec<i64> = outstanding::table
        .left_join(blacklisted::table)
        .filter(outstanding::user_id.eq(user_id))
        .filter(blacklisted::id.is_null())
        .select(outstanding::id)
        .load(conn)?;
    let mut count = 0;
    for id in ids {
        count += usize::from(blacklist(conn, id, at)?);
    }
    Ok(count)
}

/// `flushexpiredtokens`: outstanding rows with `expires_at <= now` and their
/// blacklist rows (Django cascades in application code, so do we).
pub fn flush_expired(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    conn.transaction(|conn| {
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
        diesel::delete(outstanding::table.filter(outstanding::expires_at.le(now))).execute(conn)
    })
}

/// Put a token in a family (its login's). Idempotent.
pub fn join_family(conn: &mut DbConnection, jti: &str, family_id: &str) -> QueryResult<()> {
    unique_violation(
        diesel::insert_into(family::table)
            .values((family::jti.eq(jti), family::family.eq(family_id)))
            .execute(conn),
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

/// Blacklist every recorded token of a family; returns how many were newly blacklisted.
pub fn revoke_family(
    conn: &mut DbConnection,
    family_id: &str,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let ids: Vec<i64> = outstanding::table
        .inner_join(family::table.on(family::jti.eq(outstanding::jti)))
        .filter(family::family.eq(family_id))
        .select(outstanding::id)
        .load(conn)?;
    let mut count = 0;
    for id in ids {
        count += usize::from(blacklist(conn, id, at)?);
    }
    Ok(count)
}
