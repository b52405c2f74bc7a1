//! The revocation feed's events (docs/revocation.md): what resource services must apply,
//! written in the transaction of each revocation, read by `GET /api/token/revocations/`.
//!
//! # Why a cursor never skips an event
//!
//! A reader asks for the events after the last id it saw. PostgreSQL hands out `bigserial` ids
//! at insert time but makes rows visible at commit, so two transactions could commit out of id
//! order and a reader that saw the later id first would never see the earlier one. Every event
//! insert therefore takes one exclusive advisory lock ([`serialise`]) as the last step of its
//! transaction, held to commit: ids are assigned and committed in one order. The lock is held
//! only for the insert and the commit, after every other lock of the transaction, so it adds
//! no deadlock. SQLite: `BEGIN IMMEDIATE` already runs write transactions one at a time.
//!
//! # Compaction
//!
//! A user keeps only their latest event (older ones are deleted with the insert: the newer time
//! covers them), a token has one; events that can no longer matter (a user's after `keep`
//! seconds, a token's after its `exp`) are skipped by readers and deleted by [`prune`]. So the
//! table is, at all times, the snapshot a new resource service loads.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::Integer;
use shared::revocation::wire::{Event, Kind, PAGE_SIZE};

use super::DbConnection;
use super::schema::{auth_user, tokenpair_revocation_event as event};
use super::users::UserIdField;

const USER: &str = "u";
const TOKEN: &str = "t";

/// The first key of the feed's advisory lock ("tp" + 3; see `db::revocation` for 1 and 2).
const FEED_LOCK: i32 = 0x7470_0003;

/// Take the feed's write lock (PostgreSQL; to commit). See the module documentation.
fn serialise(conn: &mut DbConnection) -> QueryResult<()> {
    let DbConnection::Postgres(c) = conn else {
        return Ok(());
    };
    diesel::sql_query("SELECT pg_advisory_xact_lock($1, 0)")
        .bind::<Integer, _>(FEED_LOCK)
        .execute(c)
        .map(drop)
}

/// Publish that every token of `user_id` issued up to `at` (whole seconds) is revoked. Call it
/// last in the revocation's transaction.
pub fn publish_user(conn: &mut DbConnection, user_id: i32, at: NaiveDateTime) -> QueryResult<()> {
    serialise(conn)?;
    diesel::delete(
        event::table
            .filter(event::kind.eq(USER))
            .filter(event::user_id.eq(user_id)),
    )
    .execute(conn)?;
    diesel::insert_into(event::table)
        .values((
            event::kind.eq(USER),
            event::user_id.eq(Some(user_id)),
            event::jti.eq(None::<String>),
            event::second.eq(at.and_utc().timestamp()),
            event::created.eq(super::clock::clock()),
        ))
        .execute(conn)
        .map(drop)
}

/// Publish that the token `jti` is revoked until `exp` (seconds). Call it last in the
/// transaction that blacklists it.
pub fn publish_token(conn: &mut DbConnection, jti: &str, exp: i64) -> QueryResult<()> {
    serialise(conn)?;
    diesel::insert_into(event::table)
        .values((
            event::kind.eq(TOKEN),
            event::user_id.eq(None::<i32>),
            event::jti.eq(Some(jti)),
            event::second.eq(exp),
            event::created.eq(super::clock::clock()),
        ))
        .execute(conn)
        .map(drop)
}

/// The newest event id (0 for none): what long-polling readers wait to pass.
pub fn latest_id(conn: &mut DbConnection) -> QueryResult<i64> {
    event::table
        .select(diesel::dsl::max(event::id))
        .first::<Option<i64>>(conn)
        .map(Option::unwrap_or_default)
}

/// One page of events after `after`: at most `PAGE_SIZE` rows read, those that still matter at
/// `now` (a user's within `keep` seconds, a token's before its exp) rendered with the user's
/// `USER_ID_FIELD` value (a deleted user's row is skipped: they cannot log in again, and their
/// tokens are not checked against a database by resource services anyway). Returns the events,
/// the cursor (the last id read) and whether a full page was read.
pub fn page(
    conn: &mut DbConnection,
    after: i64,
    field: UserIdField,
    now: i64,
    keep: i64,
) -> QueryResult<(Vec<Event>, i64, bool)> {
    type Row = (
        i64,
        String,
        Option<String>,
        i64,
        Option<i32>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = event::table
        .left_join(auth_user::table.on(event::user_id.eq(auth_user::id.nullable())))
        .filter(event::id.gt(after))
        .order(event::id)
        .limit(PAGE_SIZE as i64)
        .select((
            event::id,
            event::kind,
            event::jti,
            event::second,
            auth_user::id.nullable(),
            auth_user::username.nullable(),
            auth_user::email.nullable(),
        ))
        .load(conn)?;
    let full = rows.len() == PAGE_SIZE;
    let cursor = rows.last().map_or(after, |row| row.0);
    let events = rows
        .into_iter()
        .filter_map(|(_, kind, jti, second, id, username, email)| {
            if kind == USER {
                if second + keep < now {
                    return None;
                }
                let subject = match field {
                    UserIdField::Id => id.map(|id| id.to_string()),
                    UserIdField::Username => username,
                    UserIdField::Email => email,
                }?;
                Some(Event(Kind::User, subject, second))
            } else {
                (second >= now).then_some(Event(Kind::Token, jti?, second))
            }
        })
        .collect();
    Ok((events, cursor, full))
}

/// Delete the events that can no longer matter at `now` (see [`page`]). Never the newest row:
/// SQLite's AUTOINCREMENT and PostgreSQL's sequence keep ids rising anyway, but keeping it
/// makes `latest_id` stay where readers' cursors are.
pub fn prune(conn: &mut DbConnection, now: i64, keep: i64) -> QueryResult<usize> {
    let newest = latest_id(conn)?;
    diesel::delete(
        event::table.filter(event::id.lt(newest)).filter(
            (event::kind.eq(USER).and(event::second.lt(now - keep)))
                .or(event::kind.eq(TOKEN).and(event::second.lt(now))),
        ),
    )
    .execute(conn)
}
