//! The counters in `tokenpair_login_throttle`: one row per (scope, username, client IP)
//! bucket, counted in fixed windows by one atomic upsert, so that every replica on the
//! database, and every concurrent attempt, sees one count.

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use crate::db::DbConnection;
use crate::db::schema::tokenpair_login_throttle as throttle;

/// The count of a bucket right after this event was added, and when its window ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct Hit {
    #[diesel(sql_type = BigInt)]
    pub hits: i64,
    #[diesel(sql_type = BigInt)]
    pub window_end_ms: i64,
}

/// Counts one event: a new window (count 1) when the bucket has none or its window ended,
/// else one more in the current window. One statement: the database's row lock on the
/// bucket orders concurrent events, so exactly `count` of them see a count within the limit.
/// (Both engines read the old row in `SET`; MultiConnection has no RETURNING, hence the two
/// spellings, which differ only in their placeholders.)
pub fn hit(conn: &mut DbConnection, bucket: &str, now_ms: i64, period_ms: i64) -> QueryResult<Hit> {
    const SQL: &str = "INSERT INTO tokenpair_login_throttle AS t (bucket, hits, window_end_ms) \
         VALUES (#1, 1, #2 + #3) \
         ON CONFLICT (bucket) DO UPDATE SET \
           hits = CASE WHEN t.window_end_ms <= #2 THEN 1 ELSE t.hits + 1 END, \
           window_end_ms = CASE WHEN t.window_end_ms <= #2 THEN #2 + #3 ELSE t.window_end_ms END \
         RETURNING hits, window_end_ms";
    match conn {
        DbConnection::Postgres(c) => diesel::sql_query(SQL.replace('#', "$"))
            .bind::<Text, _>(bucket)
            .bind::<BigInt, _>(now_ms)
            .bind::<BigInt, _>(period_ms)
            .get_result(c),
        // ?NNN: SQLite's numbered parameters, bound by their number
        DbConnection::Sqlite(c) => diesel::sql_query(SQL.replace('#', "?"))
            .bind::<Text, _>(bucket)
            .bind::<BigInt, _>(now_ms)
            .bind::<BigInt, _>(period_ms)
            .get_result(c),
    }
}

/// Forgets a bucket (a successful login clears its failures).
pub fn clear(conn: &mut DbConnection, bucket: &str) -> QueryResult<usize> {
    diesel::delete(throttle::table.find(bucket)).execute(conn)
}

/// Takes back one event that turned out not to be one (the hashing queue was full: the
/// password was never checked, so it is no failed guess).
pub fn undo(conn: &mut DbConnection, bucket: &str) -> QueryResult<usize> {
    diesel::update(throttle::table.find(bucket).filter(throttle::hits.gt(0)))
        .set(throttle::hits.eq(throttle::hits - 1))
        .execute(conn)
}

/// Deletes every bucket whose window has ended: such a row counts nothing any more (the next
/// event starts a new window from scratch), so deleting it changes no decision.
pub fn prune(conn: &mut DbConnection, now_ms: i64) -> QueryResult<usize> {
    diesel::delete(throttle::table.filter(throttle::window_end_ms.le(now_ms))).execute(conn)
}
