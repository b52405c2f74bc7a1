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

diesel::table! {
    token_blacklist_outstandingtoken (id) {
        id -> BigInt,
        token -> Text,
        created_at -> Nullable<Timestamp>,
        expires_at -> Timestamp,
        user_id -> Nullable<Integer>,
        jti -> Text,
    }
}

diesel::table! {
    token_blacklist_blacklistedtoken (id) {
        id -> BigInt,
        blacklisted_at -> Timestamp,
        token_id -> BigInt,
    }
}

diesel::table! {
    tokenpair_token_family (jti) {
        jti -> Text,
        family -> Text,
        rotated_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    /// Ours: logout-all's revoked-before time per user (no foreign key: Django
    /// deletes users without knowing this table).
    tokenpair_user_revocation (user_id) {
        user_id -> Integer,
        revoked_at -> Timestamp,
    }
}

diesel::table! {
    /// Ours: reuse detection's revoked-before time per token family.
    tokenpair_family_revocation (family) {
        family -> Text,
        revoked_at -> Timestamp,
    }
}

diesel::table! {
    /// Ours: the revocation feed's events (`db::revocation_events`).
    tokenpair_revocation_event (id) {
        id -> BigInt,
        kind -> Text,
        user_id -> Nullable<Integer>,
        jti -> Nullable<Text>,
        second -> BigInt,
        created -> Timestamp,
    }
}

// Login throttle counters (throttle/store.rs); never joined with the others.
diesel::table! {
    tokenpair_login_throttle (bucket) {
        bucket -> Text,
        hits -> BigInt,
        window_end_ms -> BigInt,
    }
}

diesel::joinable!(token_blacklist_blacklistedtoken -> token_blacklist_outstandingtoken (token_id));
diesel::allow_tables_to_appear_in_same_query!(
    auth_user,
    token_blacklist_outstandingtoken,
    token_blacklist_blacklistedtoken,
    tokenpair_token_family,
    tokenpair_user_revocation,
    tokenpair_family_revocation,
    tokenpair_revocation_event,
);
