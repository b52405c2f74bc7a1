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

use shared::settings::{Settings, SettingsError, TokenClass};
use shared::tokens::TokenBackend;

use super::{MAX_COOKIE_BYTES, access_cookie, refresh_cookie};
use crate::db::users::UserIdField;

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
) -> Result<(), SettingsError> {
    if !settings.cookies.mode {
        return Ok(());
    }
    let (refresh, access) = largest_cookies(settings, tokens, field).map_err(SettingsError)?;
    let too_big = [
        ("refresh", refresh, true),
        ("access", access, settings.cookies.access),
    ]
    .into_iter()
    .find(|&(_, bytes, used)| used && bytes > MAX_COOKIE_BYTES);
    match too_big {
        None => Ok(()),
        Some((which, bytes, _)) => Err(SettingsError(format!(
            "TOKENPAIR.COOKIE_MODE: the largest {which} token these settings issue takes a \
             {bytes}-byte cookie, over the {MAX_COOKIE_BYTES} bytes browsers keep; shorten \
             SIMPLE_JWT.AUDIENCE or SIMPLE_JWT.ISSUER, use a smaller key or SIMPLE_JWT.ALGORITHM, \
             a shorter SIMPLE_JWT.USER_ID_FIELD or claim names, or turn cookie mode off"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (algorithm, private key, public key) of the shared crate's test keys.
    const KEYS: [(&str, &str, &str); 4] = [
        ("HS256", "", ""),
        (
            "RS256",
            include_str!("../../../shared/src/tokens/testdata/rsa2048.pem"),
            include_str!("../../../shared/src/tokens/testdata/rsa2048.pub.pem"),
        ),
        (
            "ES256",
            include_str!("../../../shared/src/tokens/testdata/ec256.pem"),
            include_str!("../../../shared/src/tokens/testdata/ec256.pub.pem"),
        ),
        (
            "EdDSA",
            include_str!("../../../shared/src/tokens/testdata/ed25519.pem"),
            include_str!("../../../shared/src/tokens/testdata/ed25519.pub.pem"),
        ),
    ];

    fn settings(algorithm: &str, private: &str, public: &str, extra: &[(&str, &str)]) -> Settings {
        let mut env = vec![
            ("SECRET_KEY", "cookie-size-test-key-0123456789abcdef"),
            ("SIMPLE_JWT__ALGORITHM", algorithm),
            ("TOKENPAIR__COOKIE_MODE", "true"),
        ];
        if !private.is_empty() {
            env.extend([
                ("SIMPLE_JWT__SIGNING_KEY", private),
                ("SIMPLE_JWT__VERIFYING_KEY", public),
            ]);
        }
        env.extend_from_slice(extra);
        Settings::from_sources(
            None,
            env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        )
        .unwrap()
    }

    /// The sizes README "Browser clients" gives: a token pair of user 42 with the default
    /// claims (`iat` of today's ten digits), and the largest cookies each `USER_ID_FIELD`
    /// allows. Exact: every part of a token has a fixed length for these settings.
    #[test]
    fn token_and_cookie_sizes() {
        let mut table = Vec::new();
        for (algorithm, private, public) in KEYS {
            let settings = settings(algorithm, private, public, &[]);
            let tokens = TokenBackend::for_signing(settings.jwt.clone()).unwrap();
            let now = 1_764_000_000.0;
            let refresh = tokens.for_user(TokenClass::Refresh, "42", None, now);
            let access = tokens.access_from(&refresh, now);
            let refresh = tokens.encode(&refresh).unwrap().len();
            let access = tokens.encode(&access).unwrap().len();
            let largest = |field| largest_cookies(&settings, &tokens, field).unwrap();
            table.push((
                algorithm,
                refresh,
                access,
                largest(UserIdField::Id),
                largest(UserIdField::Username),
                largest(UserIdField::Email),
            ));
        }
        // (algorithm, refresh token, access token, then the largest (refresh, access)
        // cookies with USER_ID_FIELD id, username and email)
        assert_eq!(
            table,
            [
                ("HS256", 233, 232, (342, 327), (2727, 2713), (2359, 2345)),
                ("RS256", 602, 601, (711, 696), (3096, 3082), (2728, 2714)),
                ("ES256", 346, 345, (455, 440), (2840, 2826), (2472, 2458)),
                ("EdDSA", 346, 345, (455, 440), (2840, 2826), (2472, 2458)),
            ]
        );
    }

    #[test]
    fn oversized_settings_are_refused_naming_them() {
        let audience: Vec<String> = (0..200)
            .map(|i| format!("https://s{i}.example.com"))
            .collect();
        let audience = serde_json::to_string(&audience).unwrap();
        let settings = settings("HS256", "", "", &[("SIMPLE_JWT__AUDIENCE", &audience)]);
        let tokens = TokenBackend::for_signing(settings.jwt.clone()).unwrap();
        let err = check_sizes(&settings, &tokens, UserIdField::Id)
            .unwrap_err()
            .0;
        assert!(
            err.starts_with(
                "TOKENPAIR.COOKIE_MODE: the largest refresh token these settings issue takes a "
            ),
            "{err}"
        );
        assert!(err.contains("SIMPLE_JWT.AUDIENCE"), "{err}");
        // header mode has no limit
        let mut off = settings.clone();
        off.cookies.mode = false;
        assert!(check_sizes(&off, &tokens, UserIdField::Id).is_ok());
    }
}
