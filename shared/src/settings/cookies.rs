//! The `TOKENPAIR` settings of cookie mode (README "Browser clients"): tokens in `HttpOnly`
//! cookies for browsers, and the origins whose cookie-authenticated requests are trusted
//! (`crate::csrf`). Both services read them: auth-service sets and reads the cookies, a
//! resource service reads the access cookie.

use super::catalogue::{OURS, Section, Setting, set};
use super::{RawValue, SettingsError, values};
use crate::csrf::TrustedOrigin;

#[derive(Debug, Clone, Default)]
pub struct CookieSettings {
    /// `COOKIE_MODE`: obtain and refresh also set the refresh token as a cookie, which
    /// refresh and blacklist read when the body has none.
    pub mode: bool,
    /// `COOKIE_ACCESS` (needs `mode`): the access token in a cookie too, which the
    /// `TokenUser` extractor accepts when the request has no `Authorization` header.
    pub access: bool,
    /// `COOKIE_DOMAIN`; `None`: host-only cookies.
    pub domain: Option<String>,
    /// `CSRF_TRUSTED_ORIGINS`, Django's name: origins besides the request's own.
    pub trusted_origins: Vec<TrustedOrigin>,
}

impl CookieSettings {
    /// What no single entry can check, for the service that sets the cookies: `COOKIE_ACCESS`
    /// without `COOKIE_MODE`. A resource service reads the access cookie with `COOKIE_ACCESS`
    /// alone (it sets no cookie, so `COOKIE_MODE` means nothing there).
    pub fn check(&self) -> Result<(), SettingsError> {
        if self.access && !self.mode {
            return Err(SettingsError(
                "TOKENPAIR.COOKIE_ACCESS: needs TOKENPAIR.COOKIE_MODE on".into(),
            ));
        }
        Ok(())
    }
}

/// A `Domain` attribute: a host name (an optional leading dot, as browsers ignore it), so
/// that it cannot break out of the `Set-Cookie` value.
fn cookie_domain(raw: &RawValue) -> values::Parsed<Option<String>> {
    let domain = values::string(raw)?;
    let domain = domain.trim();
    if domain.is_empty() {
        return Ok(None);
    }
    let name = domain.strip_prefix('.').unwrap_or(domain);
    let valid = !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if !valid {
        return Err(format!(
            "{domain:?} is not a domain name (e.g. example.com; empty: host-only cookies)"
        ));
    }
    Ok(Some(domain.to_ascii_lowercase()))
}

fn trusted_origins(raw: &RawValue) -> values::Parsed<Vec<TrustedOrigin>> {
    if values::is_unset(raw) {
        return Ok(Vec::new());
    }
    values::string_list(raw)?
        .iter()
        .map(|origin| TrustedOrigin::parse(origin))
        .collect()
}

impl Section for CookieSettings {
    const SETTINGS: &'static [Setting<Self>] = &[
        Setting::new(
            OURS,
            "COOKIE_MODE",
            "false",
            "obtain (`/api/token/`) and refresh also set the refresh token as an `HttpOnly; Secure; \
             SameSite=Strict` cookie `__Secure-tokenpair-refresh` (`Path=/api/token/`), which \
             refresh and blacklist read when the body has no `refresh`; blacklist clears it \
             (README \"Browser clients\")",
            |s, raw| set(&mut s.mode, values::boolean(raw)),
        ),
        Setting::new(
            OURS,
            "COOKIE_ACCESS",
            "false",
            "with `COOKIE_MODE`: the access token in a cookie too (`__Secure-tokenpair-access`, \
             `Path=/`), accepted by both services when a request has no `Authorization` header",
            |s, raw| set(&mut s.access, values::boolean(raw)),
        ),
        Setting::new(
            OURS,
            "COOKIE_DOMAIN",
            "empty",
            "the cookies' `Domain` (e.g. `example.com`, for `auth.example.com` and \
             `api.example.com`); empty: host-only cookies",
            |s, raw| set(&mut s.domain, cookie_domain(raw)),
        ),
        Setting::new(
            OURS,
            "CSRF_TRUSTED_ORIGINS",
            "empty",
            "origins (`https://app.example.com`, `https://*.example.com`) whose cookie-authenticated \
             unsafe requests are accepted besides the request's own origin (Django's setting)",
            |s, raw| set(&mut s.trusted_origins, trusted_origins(raw)),
        ),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;

    fn load(env: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let mut all = vec![("SECRET_KEY", "cookie-settings-test-key-0123456789abcdef")];
        all.extend_from_slice(env);
        Settings::from_sources(
            None,
            all.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        )
    }

    #[test]
    fn off_by_default() {
        let cookies = load(&[]).unwrap().cookies;
        assert!(!cookies.mode && !cookies.access);
        assert_eq!(cookies.domain, None);
        assert!(cookies.trusted_origins.is_empty());
    }

    #[test]
    fn parsed_and_checked() {
        let settings = load(&[
            ("TOKENPAIR__COOKIE_MODE", "true"),
            ("TOKENPAIR__COOKIE_ACCESS", "true"),
            ("TOKENPAIR__COOKIE_DOMAIN", "Example.com"),
            (
                "TOKENPAIR__CSRF_TRUSTED_ORIGINS",
                "https://app.example.com, http://localhost:3000",
            ),
        ])
        .unwrap();
        assert!(settings.cookies.mode && settings.cookies.access);
        assert_eq!(settings.cookies.domain.as_deref(), Some("example.com"));
        assert_eq!(settings.cookies.trusted_origins.len(), 2);
        let alone = load(&[("TOKENPAIR__COOKIE_ACCESS", "true")]).unwrap();
        assert_eq!(
            alone.cookies.check().unwrap_err().0,
            "TOKENPAIR.COOKIE_ACCESS: needs TOKENPAIR.COOKIE_MODE on"
        );
        let err = load(&[("TOKENPAIR__CSRF_TRUSTED_ORIGINS", "https://a.example/")]).unwrap_err();
        assert!(
            err.0.starts_with(
                "TOKENPAIR__CSRF_TRUSTED_ORIGINS: \"https://a.example/\" is not an origin"
            ),
            "{err}"
        );
        let err = load(&[("TOKENPAIR__COOKIE_DOMAIN", "a.com; Secure")]).unwrap_err();
        assert!(err.0.contains("is not a domain name"), "{err}");
        assert_eq!(
            load(&[("TOKENPAIR__COOKIE_DOMAIN", "")])
                .unwrap()
                .cookies
                .domain,
            None
        );
    }
}
