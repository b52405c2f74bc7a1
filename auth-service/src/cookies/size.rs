//! Start-up's answer to "what if a token outgrows a cookie?" (README "Browser clients"): in
//! cookie mode, the largest refresh and access tokens these settings can issue, in their
//! cookies, must fit [`MAX_COOKIE_BYTES`], or the service refuses to start (and `check`
//! fails) naming the settings that make tokens grow. A browser silently drops a larger
//! cookie, which would show as users logged out at random.
//!
//! The token is not estimated but issued: the real signer (its header with the `kid`, its
//! signature size), the configured claim names, `AUDIENCE` and `ISSUER`, the password claim
//! with `CHECK_REVOKE_TOKEN`, and the longest user id `USER_ID_FIELD` can hold, in the
//! characters that take the most room in a token's ASCII-only JSON.

use shared::settings::{Settings, TokenClass};
use shared::tokens::TokenBackend;

use super::{MAX_COOKIE_BYTES, access_cookie, refresh_cookie};
use crate::db::users::UserIdField;
use crate::state::StartupError;

/// The largest `iat` before the year 2286 (ten digits); `exp` adds the lifetime to it.
const LATEST_NOW: f64 = 9_999_999_999.0;

/// The longest value of the `auth_user` column a token carries as its user id: `id` is an
/// `integer` (`-2147483648`); `username` is 150 characters of Django's
/// `UnicodeUsernameValidator`, whose `\w` takes letters beyond U+FFFF (12 bytes each in
/// ASCII-only JSON, `\ud835\udc00`); `email` is 254 characters of Django's `EmailValidator`,
/// whose domain may hold characters up to U+FFFF (6 bytes each, `\u00e9`).
fn longest_user_id(field: UserIdField) -> String {
    match field {
        UserIdField::Id => i32::MIN.to_string(),
        UserIdField::Username => "\u{1D400}".repeat(150),
        UserIdField::Email => "\u{E9}".repeat(254),
    }
}

/// The sizes of the largest refresh and access cookies, `Set-Cookie` values whole.
pub fn largest_cookies(
    settings: &Settings,
    tokens: &TokenBackend,
    field: UserIdField,
) -> Result<(usize, usize), String> {
    let password_md5 = Some("0".repeat(32));
    let user_id = longest_user_id(field);
    let refresh = tokens.for_user(TokenClass::Refresh, &user_id, password_md5, LATEST_NOW);
    let access = tokens.access_from(&refresh, LATEST_NOW);
    let encode = |claims| tokens.encode(claims).map_err(|e| e.to_string());
    Ok((
        refresh_cookie(settings, &encode(&refresh)?).len(),
        access_cookie(settings, &encode(&access)?).len(),
    ))
}

/// Refuses settings whose tokens would not fit their cookies (cookie mode only).
pub fn check_sizes(
    settings: &Settings,
    tokens: &TokenBackend,
    field: UserIdField,
) -> Result<(), StartupError> {
    if !settings.cookies.mode {
        return Ok(());
    }
    let (refresh, access) = largest_cookies(settings, tokens, field).map_err(StartupError)?;
    let too_big = [
        ("refresh", refresh, true),
        ("access", access, settings.cookies.access),
    ]
    .into_iter()
    .find(|&(_, bytes, used)| used && bytes > MAX_COOKIE_BYTES);
    match too_big {
        None => Ok(()),
        Some((which, bytes, _)) => Err(StartupError(format!(
            "TOKENPAIR.COOKIE_MODE: the largest {which} token these settings issue takes a \
             {bytes}-byte cookie, over the {MAX_COOKIE_BYTES} bytes browsers keep; shorten \
             SIMPLE_JWT.AUDIENCE or SIMPLE_JWT.ISSUER, use a smaller key or SIMPLE_JWT.ALGORITHM, \
             a shorter SIMPLE_JWT.USER_ID_FIELD or claim names, or turn cookie mode off"
        ))),
    }
}
