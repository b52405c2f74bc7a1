//! `ROTATE_REFRESH_TOKENS` as the database sees it: one write transaction that, under
//! the shared locks of the user and the family (`db::revocation`), checks the old token
//! against their revocation times, spends it (with `BLACKLIST_AFTER_ROTATION`, by a
//! unique insert: of concurrent rotations of one token exactly one wins), records the
//! new one, and keeps the family.
//!
//! On PostgreSQL that is three round trips and one commit: `BEGIN` with the user's lock,
//! one statement (CTEs) for all the rest, `COMMIT` (a ROLLBACK instead when the old
//! token turns out revoked or already spent: what the statement wrote is undone). With
//! reuse detection the family is looked up and locked in between (one more round trip). The statement is
//! prepared once per connection (diesel's cache) unless PgBouncer's transaction mode
//! forbids it. SQLite, whose write transaction holds the database's one write lock,
//! runs the same steps as separate statements.

use chrono::NaiveDateTime;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{Bool, Nullable, Text, Timestamp};

use super::blacklist::{self, NewOutstanding};
use super::revocation::{self, Mode, Subject};
use super::{DbConnection, write_transaction_then};

/// One rotation to record.
#[derive(Debug)]
pub struct Rotation {
    pub old: NewOutstanding,
    pub new: NewOutstanding,
    /// The old token's `iat` (seconds), for the revocation times.
    pub old_iat: Option<f64>,
    pub user_id: Option<i32>,
    pub at: NaiveDateTime,
    /// `BLACKLIST_AFTER_ROTATION`: blacklist the old token.
    pub spend: bool,
    /// Reuse detection: keep the token family.
    pub families: bool,
}

/// How a rotation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// A concurrent rotation (or logout) of the same token won.
    Lost,
    /// A revocation covers the old token (it may have committed while this request ran).
    Revoked,
}

/// Why the transaction is rolled back.
enum Stop {
    End(Outcome),
    Db(diesel::result::Error),
}

impl From<diesel::result::Error> for Stop {
    fn from(e: diesel::result::Error) -> Self {
        Self::Db(e)
    }
}

/// Record `rotation` in one write transaction (see the module documentation).
pub fn rotate(conn: &mut DbConnection, rotation: &Rotation) -> QueryResult<Outcome> {
    let user_lock = rotation
        .user_id
        .map(|id| revocation::user_lock_statement(id, Mode::Shared))
        .unwrap_or_default();
    let done = write_transaction_then(conn, &user_lock, |conn| {
        // (SQLite: no lock is needed, the write transaction is alone)
        let family = if rotation.families {
            Some(revocation::lock_family_of(conn, &rotation.old.jti)?)
        } else {
            None
        };
        // under the locks: a revocation either committed before (seen here) or waits
        // for this transaction (and then sees its rows)
        let (revoked_at, spent) = match conn {
            DbConnection::Postgres(c) => Statement {
                rotation,
                family: family.as_deref(),
            }
            .get_result::<(Option<NaiveDateTime>, bool)>(c)?,
            DbConnection::Sqlite(_) => step_by_step(conn, rotation, family.as_deref())?,
        };
        if revocation::revoked(rotation.old_iat, revoked_at) {
            return Err(Stop::End(Outcome::Revoked));
        }
        if !spent {
            return Err(Stop::End(Outcome::Lost));
        }
        Ok(())
    });
    match done {
        Ok(()) => Ok(Outcome::Done),
        Err(Stop::End(outcome)) => Ok(outcome),
        Err(Stop::Db(e)) => Err(e),
    }
}

/// SQLite's rotation, statement by statement, with [`Statement`]'s answer: the latest
/// revocation time of the user and the family, and whether this rotation spent the old
/// token (always, without `spend`). Whatever it wrote is rolled back if that answer
/// refuses the rotation.
fn step_by_step(
    conn: &mut DbConnection,
    rotation: &Rotation,
    family: Option<&str>,
) -> QueryResult<(Option<NaiveDateTime>, bool)> {
    let by_user = match rotation.user_id {
        Some(id) => revocation::revoked_at(conn, Subject::User(id))?,
        None => None,
    };
    let by_family = match family {
        Some(name) => revocation::revoked_at(conn, Subject::Family(name))?,
        None => None,
    };
    let revoked_at = by_user.max(by_family);
    if revocation::revoked(rotation.old_iat, revoked_at) {
        return Ok((revoked_at, true));
    }
    if let Some(family) = family {
        blacklist::join_family(conn, &rotation.old.jti, family)?;
        blacklist::mark_rotated(conn, &rotation.old.jti, rotation.at)?;
    }
    if rotation.spend {
        let id = blacklist::ensure_outstanding(conn, &rotation.old)?;
        if !blacklist::blacklist(conn, id, rotation.at)? {
            return Ok((revoked_at, false));
        }
    }
    blacklist::outstand(conn, &rotation.new)?;
    if let Some(family) = family {
        blacklist::join_family(conn, &rotation.new.jti, family)?;
    }
    Ok((revoked_at, true))
}

/// PostgreSQL's rotation statement. Its parameters come first, once each, as the
/// columns of `p`; then, as CTEs (all of which run, referenced or not): the old
/// token's outstanding row (created when missing: simplejwt's `get_or_create`), its
/// blacklist row (`ON CONFLICT DO NOTHING`: a concurrent rotation's committed row
/// makes `spent` empty: [`blacklist::SPEND_CTES`]), the new token's outstanding row
/// ([`blacklist::ISSUE_CTE`], shared with a login's), the family rows. It answers the
/// revocation time and whether `spent` has a row.
///
/// An old token's outstanding row committed after this statement's snapshot leaves
/// `spent` empty: the rotation is lost, as it should be (see [`blacklist::SPEND_CTES`]).
struct Statement<'a> {
    rotation: &'a Rotation,
    family: Option<&'a str>,
}

const OLD_MEMBER: &str = ", \
old_member AS (INSERT INTO tokenpair_token_family (jti, family, rotated_at) \
    SELECT old_jti, family, at FROM p \
    ON CONFLICT (jti) DO UPDATE SET rotated_at = EXCLUDED.rotated_at \
    WHERE tokenpair_token_family.rotated_at IS NULL)";

const ANSWER: &str = " SELECT greatest(\
    (SELECT r.revoked_at FROM tokenpair_user_revocation r, p WHERE r.user_id = p.user_id), \
    (SELECT r.revoked_at FROM tokenpair_family_revocation r, p WHERE r.family = p.family))";

impl QueryFragment<Pg> for Statement<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        let r = self.rotation;
        out.push_sql("WITH p AS (SELECT ");
        blacklist::bind_token(&mut out, &r.old, "old")?;
        blacklist::bind_token(&mut out, &r.new, "new")?;
        out.push_bind_param::<Nullable<Text>, _>(&self.family)?;
        out.push_sql("::text AS family, ");
        blacklist::bind_user_at(&mut out, &r.user_id, &r.at)?;
        out.push_sql(")");
        if r.spend {
            out.push_sql(blacklist::SPEND_CTES);
        }
        out.push_sql(blacklist::ISSUE_CTE);
        if self.family.is_some() {
            out.push_sql(OLD_MEMBER);
            out.push_sql(blacklist::NEW_MEMBER_CTE);
        }
        out.push_sql(ANSWER);
        out.push_sql(if r.spend {
            ", EXISTS (SELECT 1 FROM spent)"
        } else {
            ", true"
        });
        Ok(())
    }
}

// No static query id: diesel's statement cache keys it by its SQL (four variants).
impl QueryId for Statement<'_> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for Statement<'_> {
    type SqlType = (Nullable<Timestamp>, Bool);
}

impl RunQueryDsl<diesel::PgConnection> for Statement<'_> {}
