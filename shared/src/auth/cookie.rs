//! Cookie mode's side of authentication (README "Browser clients"): the token cookies'
//! names, a request's value of one, and the access cookie as the `TokenUser` extractor
//! reads it when a request has no `Authorization` header (`TOKENPAIR__COOKIE_ACCESS`),
//! after the CSRF check of `crate::csrf`. The header path (`super`) is not touched.

use actix_web::HttpRequest;
use actix_web::http::header::COOKIE;
use std::sync::Arc;

use super::{Authenticator, ValidatedToken};
use crate::csrf::{self, TrustedOrigin};
use crate::errors::ApiError;
use crate::settings::CookieSettings;
use crate::tokens::now;

/// The refresh token's cookie (`Path=/api/token/`). `__Secure-`: a browser keeps it only
/// from a secure origin with `Secure`, so a plain-HTTP page of the same site cannot plant one.
pub const REFRESH_COOKIE: &str = "__Secure-tokenpair-refresh";
/// The access token's cookie (`Path=/`), with `TOKENPAIR__COOKIE_ACCESS`.
pub const ACCESS_COOKIE: &str = "__Secure-tokenpair-access";

/// The value of the cookie `name` in the request's `Cookie` field(s): the first one, as
/// browsers send the most specific path first. `None` when absent or empty. Linear in the
/// field's length, which `TOKENPAIR__MAX_HEADER_BYTES` bounds.
pub fn value<'r>(req: &'r HttpRequest, name: &str) -> Option<&'r str> {
    req.headers().get_all(COOKIE).find_map(|field| {
        field.as_bytes().split(|&b| b == b';').find_map(|pair| {
            let pair = pair.trim_ascii();
            let rest = pair.strip_prefix(name.as_bytes())?.strip_prefix(b"=")?;
            std::str::from_utf8(rest).ok().filter(|v| !v.is_empty())
        })
    })
}

/// The origins whose cookie-authenticated requests are trusted, when the access cookie is
/// read at all (`COOKIE_ACCESS`); for [`Authenticator::with_access_cookie`].
pub fn access_cookie(settings: &CookieSettings) -> Option<Arc<[TrustedOrigin]>> {
    settings
        .access
        .then(|| Arc::from(settings.trusted_origins.as_slice()))
}

impl Authenticator {
    /// Also read the access cookie of requests without an `Authorization` header, trusting
    /// these origins besides the request's own ([`access_cookie`]); `None`: never.
    pub fn with_access_cookie(mut self, trusted: Option<Arc<[TrustedOrigin]>>) -> Self {
        self.access_cookie = trusted;
        self
    }

    /// The access cookie's token when the cookie is read and the request has one; on an
    /// unsafe method only after the CSRF check, before anything looks at the token.
    pub(super) fn cookie_token<'r>(
        &self,
        req: &'r HttpRequest,
    ) -> Result<Option<&'r str>, ApiError> {
        let Some(trusted) = &self.access_cookie else {
            return Ok(None);
        };
        let Some(token) = value(req, ACCESS_COOKIE) else {
            return Ok(None);
        };
        csrf::check(req, trusted)?;
        Ok(Some(token))
    }

    /// `authenticate` for a request without the header: the access cookie's token, checked
    /// as a header's would be (same answers).
    pub(super) fn authenticate_cookie(
        &self,
        req: &HttpRequest,
    ) -> Result<Option<ValidatedToken>, ApiError> {
        let Some(raw) = self.cookie_token(req)? else {
            return Ok(None);
        };
        let token = self.validate(raw.as_bytes(), now())?;
        self.check_revoked(&token)?;
        Ok(Some(token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn finds_the_named_cookie() {
        let req = TestRequest::default()
            .append_header((COOKIE, "a=1; __Secure-tokenpair-access=x.y.z;b=2"))
            .append_header((COOKIE, "__Secure-tokenpair-refresh=r.s.t"))
            .to_http_request();
        assert_eq!(value(&req, ACCESS_COOKIE), Some("x.y.z"));
        assert_eq!(value(&req, REFRESH_COOKIE), Some("r.s.t"));
        assert_eq!(value(&req, "b"), Some("2"));
        assert_eq!(value(&req, "__Secure-tokenpair"), None);
        let empty = TestRequest::default()
            .insert_header((COOKIE, "__Secure-tokenpair-access=; other=1"))
            .to_http_request();
        assert_eq!(value(&empty, ACCESS_COOKIE), None);
        assert_eq!(value(&TestRequest::default().to_http_request(), "a"), None);
    }
}
