//! Differential tests: the same requests go to the real Django + DRF + simplejwt 5.5.1 (the
//! reference app, `tests::django`) and to our services, both configured with the same
//! SECRET_KEY and `SIMPLE_JWT__…` profile, each on its own clone of one Django-migrated
//! database (same users, same ids, same Django-made hashes). Status, body and the headers
//! clients read (`WWW-Authenticate`, `Content-Type`, `Allow`, `Location`, `Vary`) must be the
//! same; tokens each side issues must have the same header, the same claims in the same
//! order with the same values (bar `jti` and times, whose offsets must match), byte for byte.
//!
//! Where we differ on purpose the test asserts both answers and names the deviation
//! (`DELIBERATE: …`, see docs/compatibility.md).
//!
//! Then the shared-database mode (Django's database used by our services and the reverse)
//! on PostgreSQL and SQLite. PostgreSQL only except where a test says otherwise: the
//! reference app's clones live there; on the SQLite half those tests return at once.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use reqwest::{Client, Method, RequestBuilder, header};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;

use tests::app::{TEST_SECRET_KEY, client};
use tests::bodies::{BLACKLISTED, NO_ACTIVE_ACCOUNT, REFRESH, SLIDING, VERIFY, not_valid};
use tests::db::DbConnection;
use tests::django::{
    self, DJANGO_PBKDF2_ITERATIONS, DjangoDb, DjangoServer, DjangoSqlite, USERS, user_id,
};
use tests::tokens::{self, forge, forge_with, now, parts, payload_text};
use tests::{Answer, Backend, Ctx, TestApp, e2e_django, harness::E2e};

mod pair;
mod profiles;
mod req;
mod rows;
mod shared_db;

use pair::*;
use req::*;

pub fn tests() -> Vec<E2e> {
    e2e_django![
        rows::obtain_rows,
        rows::field_validation_rows,
        rows::view_plumbing_on_every_token_view,
        rows::refresh_rows,
        rows::verify_and_blacklist_rows,
        rows::sliding_rows,
        rows::protected_rows,
        profiles::rotation_and_blacklist_profile,
        profiles::rotation_race,
        profiles::audience_and_issuer_profile,
        profiles::claim_names_lifetimes_and_last_login_profile,
        profiles::revoke_token_profile,
        profiles::header_and_token_class_profile,
        shared_db::shared_postgres_database,
        shared_db::shared_sqlite_database,
        shared_db::django_adopts_our_database,
    ]
}

pub(crate) const OBTAIN: &str = "/api/token/";
pub(crate) const BLACKLIST: &str = "/api/token/blacklist/";
pub(crate) const SLIDING_REFRESH: &str = "/api/token/sliding/refresh/";
pub(crate) const PROTECTED: &str = "/protected/";
pub(crate) const TOKEN_VIEWS: [&str; 6] =
    [OBTAIN, REFRESH, VERIFY, BLACKLIST, SLIDING, SLIDING_REFRESH];

pub(crate) const HS256: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// The headers compared besides status and body.
pub(crate) const COMPARED_HEADERS: [&str; 9] = [
    "www-authenticate",
    "content-type",
    "allow",
    "location",
    "vary",
    "x-frame-options",
    "x-content-type-options",
    "referrer-policy",
    "cross-origin-opener-policy",
];
