//! Cookie mode on the issuing side (README "Browser clients"): the `Set-Cookie` fields obtain
//! and refresh add and blacklist's that clear them, and the refresh cookie as refresh and
//! blacklist read it when the body has no `refresh`. The cookies' names, the access cookie's
//! reading and the CSRF check are shared (`shared::auth::cookie`, `shared::csrf`).

mod size;

pub use size::check_sizes;

use actix_web::http::header::{HeaderValue, SET_COOKIE};
use actix_web::{HttpRequest, HttpResponse};
use shared::ApiError;
use shared::auth::cookie::{ACCESS_COOKIE, REFRESH_COOKIE, value};
use shared::settings::{CookieSettings, Settings};
use std::time::Duration;

/// RFC 6265 §6.1's least a browser must store per cookie, name, value and attributes
/// counted together; what start-up checks the settings' tokens against.
pub const MAX_COOKIE_BYTES: usize = 4096;

/// The refresh cookie is sent to the token views only (obtain, refresh, verify, blacklist,
/// logout-all): it never travels with the API calls the access token is for.
const REFRESH_PATH: &str = "/api/token/";
const ACCESS_PATH: &str = "/";

/// A token cookie's `Set-Cookie` value, attributes in the documented order. The token is
/// base64url and dots, and the domain was checked at load time, so nothing needs quoting.
fn set_cookie(
    settings: &CookieSettings,
    name: &str,
    token: &str,
    path: &str,
    max_age: u64,
) -> String {
    let mut cookie = format!(
        "{name}={token}; HttpOnly; Secure; SameSite=Strict; Path={path}; Max-Age={max_age}"
    );
    if let Some(domain) = &settings.domain {
        cookie.push_str("; Domain=");
        cookie.push_str(domain);
    }
    cookie
}

/// `Max-Age`: the token's lifetime in whole seconds (the token's `exp` is floored too).
fn seconds(lifetime: Duration) -> u64 {
    lifetime.as_secs()
}

/// The refresh cookie holding `token`.
fn refresh_cookie(settings: &Settings, token: &str) -> String {
    let lifetime = seconds(settings.jwt.refresh_token_lifetime);
    set_cookie(
        &settings.cookies,
        REFRESH_COOKIE,
        token,
        REFRESH_PATH,
        lifetime,
    )
}

/// The access cookie holding `token`.
fn access_cookie(settings: &Settings, token: &str) -> String {
    let lifetime = seconds(settings.jwt.access_token_lifetime);
    set_cookie(
        &settings.cookies,
        ACCESS_COOKIE,
        token,
        ACCESS_PATH,
        lifetime,
    )
}

/// Both cookies expired (`Max-Age=0`, same path and domain, so the browser drops them).
pub fn cleared(settings: &CookieSettings) -> [String; 2] {
    [
        set_cookie(settings, REFRESH_COOKIE, "", REFRESH_PATH, 0),
        set_cookie(settings, ACCESS_COOKIE, "", ACCESS_PATH, 0),
    ]
}

/// What obtain and refresh add in cookie mode: the refresh cookie when a (new) refresh token
/// is issued, the access cookie with `COOKIE_ACCESS`. Nothing outside cookie mode.
pub fn issued(settings: &Settings, refresh: Option<&str>, access: &str) -> Vec<String> {
    let mut cookies = Vec::new();
    if !settings.cookies.mode {
        return cookies;
    }
    cookies.extend(refresh.map(|token| refresh_cookie(settings, token)));
    if settings.cookies.access {
        cookies.push(access_cookie(settings, access));
    }
    cookies
}

/// Adds the `Set-Cookie` fields. One a browser would drop (a token grown past
/// [`MAX_COOKIE_BYTES`] by a claim start-up could not foresee, e.g. a user row that breaks
/// Django's length rules) is left out with a warning: the body still carries the token.
pub fn add(response: &mut HttpResponse, cookies: impl IntoIterator<Item = String>) {
    for cookie in cookies {
        if cookie.len() > MAX_COOKIE_BYTES {
            tracing::warn!(
                bytes = cookie.len(),
                "token cookie over 4096 bytes not set (the token is in the body)"
            );
            continue;
        }
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
}

/// The refresh cookie of a request in cookie mode, with the answer of the CSRF check
/// (`shared::csrf`) it must pass if it is used.
pub struct CookieToken {
    pub value: String,
    pub csrf: Result<(), ApiError>,
}

/// The refresh cookie when cookie mode is on and the request carries one.
pub fn refresh_token(req: &HttpRequest, settings: &CookieSettings) -> Option<CookieToken> {
    if !settings.mode {
        return None;
    }
    let token = value(req, REFRESH_COOKIE)?;
    Some(CookieToken {
        value: token.to_owned(),
        csrf: shared::csrf::check(req, &settings.trusted_origins),
    })
}
