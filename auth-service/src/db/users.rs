//! Rows of Django's `auth_user`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::auth_user;

/// A Django user: the columns the service reads (the rest of the row is Django's).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = auth_user)]
pub struct User {
    pub id: i32,
    pub password: String,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub is_active: bool,
    /// Read on every authenticated request: the admin API's permission check.
    pub is_staff: bool,
    pub is_superuser: bool,
}

/// What `create_user` / `create_superuser` store; Django's model defaults
/// (`is_active=True`, empty names) are applied by the caller, not the database.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = auth_user)]
pub struct NewUser {
    pub password: String,
    pub last_login: Option<NaiveDateTime>,
    pub is_superuser: bool,
    pub username: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub is_staff: bool,
    pub is_active: bool,
    pub date_joined: NaiveDateTime,
}

/// Which column `USER_ID_FIELD` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserIdField {
    Id,
    Username,
    Email,
}

impl UserIdField {
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "id" | "pk" => Some(Self::Id),
            "username" => Some(Self::Username),
            "email" => Some(Self::Email),
            _ => None,
        }
    }

    /// The value of this field for a user, as it goes into the token (a string).
    pub fn value_of(self, user: &User) -> String {
        match self {
            Self::Id => user.id.to_string(),
            Self::Username => user.username.clone(),
            Self::Email => user.email.clone(),
        }
    }
}

/// A user-id claim reduced to what a lookup needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserKey {
    Id(i32),
    Text(String),
}

pub fn by_username(conn: &mut DbConnection, username: &str) -> QueryResult<Option<User>> {
    auth_user::table
        .filter(auth_user::username.eq(username))
        .select(User::as_select())
        .first(conn)
        .optional()
}

type Backend = <DbConnection as Connection>::Backend;

/// A user query narrowed to the row a token names; `None` when the key's kind does
/// not fit the field (such a token names nobody).
fn naming<'a, ST>(
    query: auth_user::BoxedQuery<'a, Backend, ST>,
    field: UserIdField,
    key: &UserKey,
) -> Option<auth_user::BoxedQuery<'a, Backend, ST>> {
    Some(match (field, key) {
        (UserIdField::Id, UserKey::Id(id)) => query.filter(auth_user::id.eq(*id)),
        (UserIdField::Username, UserKey::Text(name)) => {
            query.filter(auth_user::username.eq(name.clone()))
        }
        (UserIdField::Email, UserKey::Text(email)) => {
            query.filter(auth_user::email.eq(email.clone()))
        }
        _ => return None,
    })
}

/// The user a token names. Like Django's `filter(...).first()`, the lowest id wins
/// where the field is not unique (email).
pub fn by_key(
    conn: &mut DbConnection,
    field: UserIdField,
    key: &UserKey,
) -> QueryResult<Option<User>> {
    let query = auth_user::table
        .select(User::as_select())
        .order(auth_user::id)
        .into_boxed();
    match naming(query, field, key) {
        Some(query) => query.first(conn).optional(),
        None => Ok(None),
    }
}

pub fn touch_last_login(conn: &mut DbConnection, id: i32, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(auth_user::table.find(id))
        .set(auth_user::last_login.eq(Some(at)))
        .execute(conn)
        .map(drop)
}

pub fn set_password(conn: &mut DbConnection, id: i32, hash: &str) -> QueryResult<usize> {
    diesel::update(auth_user::table.find(id))
        .set(auth_user::password.eq(hash))
        .execute(conn)
}

/// Insert and read back (no RETURNING across both engines); the unique username
/// makes the read-back exact.
pub fn insert(conn: &mut DbConnection, user: &NewUser) -> QueryResult<User> {
    conn.transaction(|conn| {
        diesel::insert_into(auth_user::table)
            .values(user)
            .execute(conn)?;
        auth_user::table
            .filter(auth_user::username.eq(&user.username))
            .select(User::as_select())
            .first(conn)
    })
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    auth_user::table.count().get_result(conn)
}
