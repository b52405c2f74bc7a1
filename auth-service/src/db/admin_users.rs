//! The admin API's queries on `auth_user` (routes/admin): whole rows (never the password
//! hash), a searched page, partial updates, and deletion with Django's cascade.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Text};

use super::schema::{auth_user, token_blacklist_outstandingtoken as outstanding};
use super::{DbConnection, write_transaction};

diesel::define_sql_function!(fn upper(x: Text) -> Text);

/// What the admin API shows of a user: every column but the password.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = auth_user)]
pub struct UserRow {
    pub id: i32,
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub is_active: bool,
    pub is_staff: bool,
    pub is_superuser: bool,
    pub date_joined: NaiveDateTime,
    pub last_login: Option<NaiveDateTime>,
}

pub fn by_id(conn: &mut DbConnection, id: i32) -> QueryResult<Option<UserRow>> {
    auth_user::table
        .find(id)
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Django's `icontains` pattern: `%text%` with the LIKE wildcards and the escape itself
/// escaped (`ESCAPE '\'`), upper-cased on both sides as Django's backends do.
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

type Backend = <DbConnection as Connection>::Backend;

/// The users matching every term of `terms` (each: icontains on username, email, first or
/// last name, as DRF's `SearchFilter`; no terms: all users), as a boxed query so that
/// count and page share the filter.
fn matching<'a>(terms: &[String]) -> auth_user::BoxedQuery<'a, Backend> {
    let mut query = auth_user::table.into_boxed();
    for term in terms {
        let pattern = contains_pattern(term);
        // a macro, not a closure: each column is its own type
        macro_rules! like {
            ($column:expr) => {
                upper($column).like(upper(pattern.clone())).escape('\\')
            };
        }
        query = query.filter(
            like!(auth_user::username)
                .or(like!(auth_user::email))
                .or(like!(auth_user::first_name))
                .or(like!(auth_user::last_name)),
        );
    }
    query
}

/// How many users match `terms`.
pub fn count(conn: &mut DbConnection, terms: &[String]) -> QueryResult<i64> {
    matching(terms).count().get_result(conn)
}

/// One page of the users matching `terms`, by id.
pub fn page(
    conn: &mut DbConnection,
    terms: &[String],
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<UserRow>> {
    matching(terms)
        .select(UserRow::as_select())
        .order(auth_user::id)
        .offset(offset)
        .limit(limit)
        .load(conn)
}

/// The columns a PATCH may change; `None` leaves a column as it is.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = auth_user)]
pub struct UserChanges {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub is_active: Option<bool>,
    pub is_staff: Option<bool>,
    pub is_superuser: Option<bool>,
}

impl UserChanges {
    pub fn is_empty(&self) -> bool {
        self.email.is_none()
            && self.first_name.is_none()
            && self.last_name.is_none()
            && self.is_active.is_none()
            && self.is_staff.is_none()
            && self.is_superuser.is_none()
    }
}

/// Apply `changes` to user `id`; the row after the update (`None`: no such user).
pub fn update(
    conn: &mut DbConnection,
    id: i32,
    changes: &UserChanges,
) -> QueryResult<Option<UserRow>> {
    if !changes.is_empty() {
        diesel::update(auth_user::table.find(id))
            .set(changes)
            .execute(conn)?;
    }
    by_id(conn, id)
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Whether Django's admin log table is there (a database shared with a Django site that
/// has `django.contrib.admin`); our migrations do not create it.
fn has_admin_log(conn: &mut DbConnection) -> QueryResult<bool> {
    let sql = match conn {
        DbConnection::Postgres(_) => {
            "SELECT COUNT(*) AS n FROM pg_catalog.pg_tables \
             WHERE tablename = 'django_admin_log' AND schemaname = ANY (current_schemas(false))"
        }
        DbConnection::Sqlite(_) => {
            "SELECT COUNT(*) AS n FROM sqlite_master \
             WHERE type = 'table' AND name = 'django_admin_log'"
        }
    };
    Ok(diesel::sql_query(sql).get_result::<Found>(conn)?.n > 0)
}

/// Delete user `id` as Django's `user.delete()` does with the tables of a Django site
/// using simplejwt, in one write transaction: the rows with `on_delete=CASCADE` foreign
/// keys (`auth_user_groups`, `auth_user_user_permissions`, `django_admin_log` where it
/// exists) go, simplejwt's outstanding tokens (`on_delete=SET_NULL`) stay with `user_id`
/// NULL (their blacklist rows stay too). Our `tokenpair_user_revocation` row is kept on
/// purpose: SQLite may give a later user the same id, and the row keeps the deleted
/// user's tokens revoked for them. Returns whether the user existed.
pub fn delete(conn: &mut DbConnection, id: i32) -> QueryResult<bool> {
    write_transaction(conn, |conn| {
        for sql in [
            "DELETE FROM auth_user_groups WHERE user_id = $1",
            "DELETE FROM auth_user_user_permissions WHERE user_id = $1",
        ] {
            diesel::sql_query(placeholders(conn, sql))
                .bind::<Integer, _>(id)
                .execute(conn)?;
        }
        if has_admin_log(conn)? {
            diesel::sql_query(placeholders(
                conn,
                "DELETE FROM django_admin_log WHERE user_id = $1",
            ))
            .bind::<Integer, _>(id)
            .execute(conn)?;
        }
        diesel::update(outstanding::table.filter(outstanding::user_id.eq(id)))
            .set(outstanding::user_id.eq(None::<i32>))
            .execute(conn)?;
        let deleted = diesel::delete(auth_user::table.find(id)).execute(conn)?;
        Ok(deleted > 0)
    })
}

/// SQLite spells a positional parameter `?`.
fn placeholders(conn: &DbConnection, sql: &str) -> String {
    match conn {
        DbConnection::Postgres(_) => sql.to_owned(),
        DbConnection::Sqlite(_) => sql.replace("$1", "?"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_are_escaped() {
        assert_eq!(contains_pattern("ab"), "%ab%");
        assert_eq!(contains_pattern("50%_\\"), "%50\\%\\_\\\\%");
    }
}
