//! Revoked-before times (ours, never in Django's tables): logout-all records one per
//! user, reuse detection one per token family. A token is revoked when its `iat`
//! (whole seconds) is not later than the revocation time truncated to the second:
//! a token issued in the very second of a revocation is revoked too (the safe side;
//! its holder logs in again).
//!
//! # Why a rotation cannot outrun a revocation
//!
//! Listing a user's (a family's) tokens and blacklisting them cannot see a token a
//! concurrent rotation has not inserted yet, so the revocation is also recorded as a
//! time, and rotations and revocations of one subject are serialised:
//!
//! - every rotation, logout-all and family revocation is ONE write transaction
//!   ([`write_transaction`]);
//! - PostgreSQL: a rotation takes shared transaction-level advisory locks on its
//!   user and on its family ([`lock`]), a revocation the exclusive lock on its user
//!   (logout-all) or family (reuse detection), before it reads anything. Locks are
//!   held to commit, so a rotation and a revocation of one subject never overlap.
//!   Advisory rather than row locks: a family has no row of its own to lock (and its
//!   members' rows appear as it rotates), and Django's own writes to `auth_user` are
//!   never blocked. SQLite: `BEGIN IMMEDIATE` takes the database's one write lock at
//!   the start, so write transactions run one at a time (and never deadlock upgrading
//!   a read lock);
//! - the revocation takes its time *after* acquiring its lock, and the rotation checks
//!   the revocation times *after* acquiring its locks (READ COMMITTED: each statement
//!   sees everything committed before it starts).
//!
//! So either the revocation commits first: the rotation, once it holds its locks,
//! sees the revocation time, finds the old token's `iat` not later (the old token
//! predates the revocation) and refuses; or the rotation commits first: its new
//! token's `iat` (taken when the request began, before the rotation committed and so
//! before the revocation read its clock) is not later than the revocation time, and
//! its outstanding row is committed, so the revocation's listing blacklists it too.
//! Either way no token of the subject minted before the revocation outlives it.
//! Logins need no lock: a login whose clock read precedes the revocation's has an
//! `iat` not later than it; one that follows it is a new session.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

use super::blacklist::{self, listed_maybe};
use super::clock::clock;
use super::schema::{
    auth_user, token_blacklist_blacklistedtoken as blacklisted,
    token_blacklist_outstandingtoken as outstanding,
    tokenpair_family_revocation as family_revocation, tokenpair_token_family as family,
    tokenpair_user_revocation as user_revocation,
};
use super::users::{User, UserIdField, UserKey};
use super::{DbConnection, write_transaction};

/// The message of a revoked token (401 `token_not_valid`, simplejwt's shape).
pub use shared::revocation::REVOKED;

/// Whether a token issued at `iat` (seconds since the epoch; `None`: the token has no
/// usable `iat`) is revoked by a revocation at `revoked_at`: the one rule resource
/// services apply too (`shared::revocation::revoked_before`).
pub fn revoked(iat: Option<f64>, revoked_at: Option<NaiveDateTime>) -> bool {
    revoked_at.is_some_and(|at| shared::revocation::revoked_before(iat, at.and_utc().timestamp()))
}

/// The later of two revocation times.
fn latest(a: Option<NaiveDateTime>, b: Option<NaiveDateTime>) -> Option<NaiveDateTime> {
    a.max(b)
}

/// What is locked (see the module documentation).
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    User(i32),
    Family(&'a str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Rotations: any number at once.
    Shared,
    /// Revocations: alone.
    Exclusive,
}

/// First keys of our advisory locks ("tp" + 1, 2), apart from other users of
/// advisory locks on the database; a collision would only serialise more.
const USER_LOCKS: i32 = 0x7470_0001;
const FAMILY_LOCKS: i32 = 0x7470_0002;

/// Take a transaction-level lock on `subject` (PostgreSQL; released at commit or
/// rollback). SQLite needs none: [`write_transaction`] holds the write lock.
pub fn lock(conn: &mut DbConnection, subject: Subject<'_>, mode: Mode) -> QueryResult<()> {
    let DbConnection::Postgres(c) = conn else {
        return Ok(());
    };
    let function = match mode {
        Mode::Shared => "pg_advisory_xact_lock_shared",
        Mode::Exclusive => "pg_advisory_xact_lock",
    };
    match subject {
        Subject::User(id) => diesel::sql_query(format!("SELECT {function}($1, $2)"))
            .bind::<Integer, _>(USER_LOCKS)
            .bind::<Integer, _>(id)
            .execute(c),
        Subject::Family(family) => {
            diesel::sql_query(format!("SELECT {function}($1, hashtext($2))"))
                .bind::<Integer, _>(FAMILY_LOCKS)
                .bind::<Text, _>(family)
                .execute(c)
        }
    }
    .map(drop)
}

/// The family of the token `jti` (its own jti when it is in none: a login's first token
/// recorded before reuse detection was on), under the family's shared [`lock`]. On
/// PostgreSQL the lookup and the lock are one statement, one round trip; a token's
/// family never changes once recorded, so reading it before the lock is granted is safe.
pub fn lock_family_of(conn: &mut DbConnection, jti: &str) -> QueryResult<String> {
    #[derive(QueryableByName)]
    struct Family {
        #[diesel(sql_type = Text)]
        family: String,
    }
    let DbConnection::Postgres(c) = conn else {
        return Ok(blacklist::family_of(conn, jti)?.map_or_else(|| jti.to_owned(), |(f, _)| f));
    };
    diesel::sql_query(
        "SELECT f.family, pg_advisory_xact_lock_shared($1, hashtext(f.family)) \
           FROM (SELECT coalesce((SELECT family FROM tokenpair_token_family WHERE jti = $2), $2) \
                 AS family) f",
    )
    .bind::<Integer, _>(FAMILY_LOCKS)
    .bind::<Text, _>(jti)
    .get_result::<Family>(c)
    .map(|row| row.family)
}

/// [`lock`] of a user as SQL without parameters, to send with `BEGIN` in one round trip
/// (`db::write_transaction_then`).
pub fn user_lock_statement(id: i32, mode: Mode) -> String {
    let function = match mode {
        Mode::Shared => "pg_advisory_xact_lock_shared",
        Mode::Exclusive => "pg_advisory_xact_lock",
    };
    format!("SELECT {function}({USER_LOCKS}, {id})")
}

/// Record that `subject`'s tokens issued up to `at` are revoked; a later revocation
/// already recorded is kept. Call under the subject's exclusive [`lock`].
pub fn record(conn: &mut DbConnection, subject: Subject<'_>, at: NaiveDateTime) -> QueryResult<()> {
    let current = revoked_at(conn, subject)?;
    match (subject, current) {
        (_, Some(current)) if current >= at => Ok(()),
        (Subject::User(id), Some(_)) => diesel::update(user_revocation::table.find(id))
            .set(user_revocation::revoked_at.eq(at))
            .execute(conn)
            .map(drop),
        (Subject::User(id), None) => diesel::insert_into(user_revocation::table)
            .values((
                user_revocation::user_id.eq(id),
                user_revocation::revoked_at.eq(at),
            ))
            .execute(conn)
            .map(drop),
        (Subject::Family(name), Some(_)) => diesel::update(family_revocation::table.find(name))
            .set(family_revocation::revoked_at.eq(at))
            .execute(conn)
            .map(drop),
        (Subject::Family(name), None) => diesel::insert_into(family_revocation::table)
            .values((
                family_revocation::family.eq(name),
                family_revocation::revoked_at.eq(at),
            ))
            .execute(conn)
            .map(drop),
    }
}

/// The revocation time recorded for `subject`.
pub fn revoked_at(
    conn: &mut DbConnection,
    subject: Subject<'_>,
) -> QueryResult<Option<NaiveDateTime>> {
    match subject {
        Subject::User(id) => user_revocation::table
            .find(id)
            .select(user_revocation::revoked_at)
            .first(conn)
            .optional(),
        Subject::Family(name) => family_revocation::table
            .find(name)
            .select(family_revocation::revoked_at)
            .first(conn)
            .optional(),
    }
}

/// The revocation time of the family a token (by jti) belongs to, as an expression.
#[diesel::dsl::auto_type]
fn family_revoked_at<'a>(jti: Option<&'a str>) -> _ {
    family_revocation::table
        .inner_join(family::table.on(family::family.eq(family_revocation::family)))
        .filter(family::jti.nullable().eq(jti))
        .select(family_revocation::revoked_at)
        .single_value()
}

/// What the database says about a presented token.
#[derive(Debug, Default)]
pub struct Standing {
    /// The user the token names (looked up when a key was given).
    pub user: Option<User>,
    /// Its jti is blacklisted.
    pub blacklisted: bool,
    /// The latest revocation time that applies: its user's, its family's.
    pub revoked_at: Option<NaiveDateTime>,
}

/// The user a token names (by `key`), whether its `jti` is blacklisted, and the
/// revocation times of its user and its family: one round trip when the user exists.
pub fn standing(
    conn: &mut DbConnection,
    field: UserIdField,
    key: Option<&UserKey>,
    jti: Option<&str>,
) -> QueryResult<Standing> {
    if let Some(key) = key {
        let query = auth_user::table
            .left_join(user_revocation::table.on(user_revocation::user_id.eq(auth_user::id)))
            .select((
                User::as_select(),
                listed_maybe(jti),
                user_revocation::revoked_at.nullable(),
                family_revoked_at(jti),
            ))
            .order(auth_user::id)
            .into_boxed();
        // the same narrowing as `users::by_key`: a key of the wrong kind names nobody
        let query = match (field, key) {
            (UserIdField::Id, UserKey::Id(id)) => Some(query.filter(auth_user::id.eq(*id))),
            (UserIdField::Username, UserKey::Text(name)) => {
                Some(query.filter(auth_user::username.eq(name.clone())))
            }
            (UserIdField::Email, UserKey::Text(email)) => {
                Some(query.filter(auth_user::email.eq(email.clone())))
            }
            _ => None,
        };
        if let Some(query) = query {
            type Row = (User, bool, Option<NaiveDateTime>, Option<NaiveDateTime>);
            if let Some((user, blacklisted, by_user, by_family)) =
                query.first::<Row>(conn).optional()?
            {
                return Ok(Standing {
                    user: Some(user),
                    blacklisted,
                    revoked_at: latest(by_user, by_family),
                });
            }
        }
    }
    if jti.is_none() {
        return Ok(Standing::default());
    }
    let (blacklisted, revoked_at) = diesel::select((listed_maybe(jti), family_revoked_at(jti)))
        .get_result::<(bool, Option<NaiveDateTime>)>(conn)?;
    Ok(Standing {
        user: None,
        blacklisted,
        revoked_at,
    })
}

/// logout-all (and every per-user revocation: password change, deactivation), in one
/// transaction: under the user's exclusive lock, record the user's revocation time
/// (taken once the lock is held: see `db::revocation`), blacklist every outstanding
/// token of the user not blacklisted yet (so that Django on the same database refuses
/// them too), and publish the time on the revocation feed (`db::revocation_events`).
/// Returns how many were newly blacklisted.
pub fn blacklist_user(conn: &mut DbConnection, user_id: i32) -> QueryResult<usize> {
    revoke(conn, Subject::User(user_id), |conn| {
        outstanding::table
            .left_join(blacklisted::table)
            .filter(outstanding::user_id.eq(user_id))
            .filter(blacklisted::id.is_null())
            .select(outstanding::id)
            .load(conn)
    })
}

/// A revocation of `subject`, in one transaction: its exclusive lock, its time
/// (read once the lock is held: see `db::revocation`), then the blacklist rows of
/// the outstanding tokens `listed` names. Returns how many were newly blacklisted.
fn revoke(
    conn: &mut DbConnection,
    subject: Subject<'_>,
    listed: impl FnOnce(&mut DbConnection) -> QueryResult<Vec<i64>>,
) -> QueryResult<usize> {
    write_transaction(conn, |conn| {
        lock(conn, subject, Mode::Exclusive)?;
        let at = clock();
        record(conn, subject, at)?;
        let mut count = 0;
        for id in listed(conn)? {
            count += usize::from(blacklist::blacklist(conn, id, at)?);
        }
        // Resource services see per-user revocations only: access tokens carry no family,
        // so a family's revocation has nothing they could match (docs/revocation.md).
        if let Subject::User(id) = subject {
            super::revocation_events::publish_user(conn, id, at)?;
        }
        Ok(count)
    })
}

/// Reuse detection's revocation, in one transaction: under the family's exclusive
/// lock, record the family's revocation time (taken once the lock is held), then
/// blacklist every recorded token of the family. Returns how many were newly
/// blacklisted.
pub fn revoke_family(conn: &mut DbConnection, family_id: &str) -> QueryResult<usize> {
    revoke(conn, Subject::Family(family_id), |conn| {
        outstanding::table
            .inner_join(family::table.on(family::jti.eq(outstanding::jti)))
            .filter(family::family.eq(family_id))
            .select(outstanding::id)
            .load(conn)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<NaiveDateTime> {
        Some(NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").unwrap())
    }

    #[test]
    fn the_revocation_second_is_revoked_the_next_is_not() {
        // 2023-11-14 22:13:20 UTC = 1_700_000_000
        let revocation = at("2023-11-14 22:13:20.750");
        assert!(revoked(Some(1_699_999_000.0), revocation));
        assert!(revoked(Some(1_700_000_000.0), revocation), "same second");
        assert!(revoked(Some(1_700_000_000.9), revocation), "fractional iat");
        assert!(!revoked(Some(1_700_000_001.0), revocation));
        assert!(revoked(None, revocation), "no iat: cannot be newer");
        assert!(!revoked(None, None));
        assert!(!revoked(Some(0.0), None));
    }
}
