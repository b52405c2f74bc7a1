//! Django's tables as diesel sees them. Timestamps are `Timestamp` (UTC
//! wall-clock) because `MultiConnection` cannot carry `timestamptz`; PostgreSQL
//! sessions run in UTC so the stored instants are right (see `db::prepare`).

diesel::table! {
    auth_user (id) {
        id -> Integer,
        password -> Text,
        last_login -> Nullable<Timestamp>,
        is_superuser -> Bool,
        username -> Text,
        first_name -> Text,
        last_name -> Text,
        email -> Text,
        is_staff -> Bool,
        is_active -> Bool,
        date_joined -> Timestamp,
    }
}
