//! CSRF protection of cookie-authenticated requests (README "Browser clients"): Django's
//! `Origin` check (`CsrfViewMiddleware._origin_verified`) without its token half. A request
//! that brings its token in a cookie with an unsafe method must carry an `Origin` equal to
//! its own origin or to one of `TOKENPAIR__CSRF_TRUSTED_ORIGINS`; otherwise DRF's 403
//! `{"detail":"CSRF Failed: ..."}`. A token in the body or the `Authorization` header is no
//! ambient credential a foreign page can make the browser send, so it is never checked.
//!
//! The request's own origin is `connection_info()`'s scheme and host, which believe
//! `Forwarded` and `X-Forwarded-Proto`/`-Host`: behind a TLS-terminating proxy the connection
//! itself is always `http` (every `https://` page would be refused otherwise), and a foreign
//! page cannot set those headers on a cross-site request (they are not CORS-safelisted: the
//! browser asks a preflight first, which CORS refuses), so believing them gives the attacker
//! this check defends against nothing. A proxy that rewrites `Host` without forwarding it
//! needs the public origin in `CSRF_TRUSTED_ORIGINS`, as in Django.

use actix_web::HttpRequest;
use actix_web::http::header::ORIGIN;
use actix_web::http::{Method, StatusCode};

use crate::errors::{ApiError, echo};

/// An origin a cookie-authenticated request may come from: `scheme://host[:port]`, or with
/// a `*.` host (`https://*.example.com`), any subdomain of it, as Django allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedOrigin {
    /// The origin as browsers serialise it (lower case), or its tail after `*` for a wildcard.
    text: String,
    wildcard: bool,
    /// `https://` (the text's start), kept apart for wildcards.
    scheme: String,
}

impl TrustedOrigin {
    /// `scheme://host[:port]`, no path, query, user or trailing slash: what an `Origin`
    /// header holds, so that a setting that can never match is an error at start-up.
    pub fn parse(text: &str) -> Result<Self, String> {
        let origin = text.trim();
        let bad = |why: &str| {
            Err(format!(
                "{origin:?} is not an origin ({why}; use scheme://host[:port], e.g. https://app.example.com)"
            ))
        };
        let Some((scheme, authority)) = origin.split_once("://") else {
            return bad("no scheme");
        };
        if scheme.is_empty()
            || !scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        {
            return bad("bad scheme");
        }
        if authority.is_empty() {
            return bad("no host");
        }
        if authority.contains(['/', '?', '#']) {
            return bad("a path, query or fragment");
        }
        if authority.contains('@') {
            return bad("user information");
        }
        let (wildcard, host) = match authority.strip_prefix("*.") {
            Some(rest) => (true, rest),
            None => (false, authority),
        };
        let (name, port) = split_port(host);
        let name_ok = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.[]:".contains(&b));
        if !name_ok || port.is_some_and(|p| p.parse::<u16>().is_err()) {
            return bad("bad host or port");
        }
        let scheme = format!("{}://", scheme.to_ascii_lowercase());
        let text = if wildcard {
            format!(".{}", host.to_ascii_lowercase())
        } else {
            format!("{scheme}{}", host.to_ascii_lowercase())
        };
        Ok(Self {
            text,
            wildcard,
            scheme,
        })
    }

    /// `Origin` (already lower case) is this one, or under it for a wildcard.
    fn matches(&self, origin: &str) -> bool {
        if !self.wildcard {
            return origin == self.text;
        }
        origin
            .strip_prefix(self.scheme.as_str())
            .is_some_and(|host| host.ends_with(self.text.as_str()) && host.len() > self.text.len())
    }
}

/// `host` and its `:port`, for a host that may be an IPv6 literal (`[::1]:8000`).
fn split_port(host: &str) -> (&str, Option<&str>) {
    match host.rfind(':') {
        Some(at) if !host[at..].contains(']') => (&host[..at], Some(&host[at + 1..])),
        _ => (host, None),
    }
}

/// Django's `SAFE_METHODS`: they change nothing, so they need no proof.
pub fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// The check for a request authenticated by a cookie: `Ok` for a safe method or an
/// `Origin` that is the request's own or a trusted one, else DRF's 403.
pub fn check(req: &HttpRequest, trusted: &[TrustedOrigin]) -> Result<(), ApiError> {
    if is_safe(req.method()) {
        return Ok(());
    }
    // Several `Origin` fields are one value joined by ",", as a WSGI server joins them:
    // never an origin, so refused.
    let fields: Vec<_> = req
        .headers()
        .get_all(ORIGIN)
        .map(|field| String::from_utf8_lossy(field.as_bytes()))
        .collect();
    if fields.is_empty() {
        return Err(failed("Origin checking failed - no Origin."));
    }
    let origin = fields.join(",");
    let lower = origin.to_ascii_lowercase();
    let info = req.connection_info();
    let own = format!("{}://{}", info.scheme(), info.host()).to_ascii_lowercase();
    if lower == own || trusted.iter().any(|t| t.matches(&lower)) {
        return Ok(());
    }
    Err(failed(&format!(
        "Origin checking failed - {} does not match any trusted origins.",
        echo(&origin)
    )))
}

/// DRF's `SessionAuthentication.enforce_csrf`: `PermissionDenied("CSRF Failed: <reason>")`.
fn failed(reason: &str) -> ApiError {
    ApiError::detail(StatusCode::FORBIDDEN, format!("CSRF Failed: {reason}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn origins(list: &[&str]) -> Vec<TrustedOrigin> {
        list.iter()
            .map(|o| TrustedOrigin::parse(o).unwrap())
            .collect()
    }

    fn detail(result: Result<(), ApiError>) -> Option<String> {
        result.err().map(|e| {
            assert_eq!(e.status(), StatusCode::FORBIDDEN);
            e.detail_text().unwrap_or_default().to_owned()
        })
    }

    #[test]
    fn origins_parse_as_scheme_host_port() {
        for good in [
            "https://app.example.com",
            "http://localhost:8000",
            "https://[::1]:8443",
            " HTTPS://App.Example.com ",
            "https://*.example.com",
        ] {
            assert!(TrustedOrigin::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "app.example.com",
            "https://",
            "https://app.example.com/",
            "https://app.example.com/path",
            "https://app.example.com?q",
            "https://user@app.example.com",
            "https://app.example.com:99999",
            "https://app example.com",
            "://x",
        ] {
            let err = TrustedOrigin::parse(bad).unwrap_err();
            assert!(err.contains("is not an origin"), "{bad}: {err}");
        }
    }

    #[test]
    fn safe_methods_and_own_origin_pass() {
        let get = TestRequest::get().to_http_request();
        assert_eq!(detail(check(&get, &[])), None);
        let own = TestRequest::post()
            .insert_header(("host", "auth.example.com"))
            .insert_header(("origin", "http://auth.example.com"))
            .to_http_request();
        assert_eq!(detail(check(&own, &[])), None);
        // behind a TLS-terminating proxy
        let proxied = TestRequest::post()
            .insert_header(("host", "auth.example.com"))
            .insert_header(("x-forwarded-proto", "https"))
            .insert_header(("origin", "https://auth.example.com"))
            .to_http_request();
        assert_eq!(detail(check(&proxied, &[])), None);
    }

    #[test]
    fn foreign_and_missing_origins_are_refused() {
        let foreign = TestRequest::post()
            .insert_header(("host", "auth.example.com"))
            .insert_header(("origin", "https://evil.example"))
            .to_http_request();
        assert_eq!(
            detail(check(&foreign, &[])).as_deref(),
            Some(
                "CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins."
            )
        );
        let trusted = origins(&["https://evil.example"]);
        assert_eq!(detail(check(&foreign, &trusted)), None);
        let none = TestRequest::post().to_http_request();
        assert_eq!(
            detail(check(&none, &trusted)).as_deref(),
            Some("CSRF Failed: Origin checking failed - no Origin.")
        );
        // another scheme is another origin
        let http = TestRequest::post()
            .insert_header(("host", "auth.example.com"))
            .insert_header(("x-forwarded-proto", "https"))
            .insert_header(("origin", "http://auth.example.com"))
            .to_http_request();
        assert!(detail(check(&http, &[])).is_some());
    }

    #[test]
    fn wildcards_match_subdomains_only() {
        let trusted = origins(&["https://*.example.com"]);
        let from = |origin: &str| {
            let req = TestRequest::put()
                .insert_header(("host", "api.other.org"))
                .insert_header(("origin", origin))
                .to_http_request();
            detail(check(&req, &trusted)).is_none()
        };
        assert!(from("https://app.example.com"));
        assert!(from("https://a.b.example.com"));
        assert!(!from("https://example.com"));
        assert!(!from("https://evilexample.com"));
        assert!(!from("http://app.example.com"));
    }
}
