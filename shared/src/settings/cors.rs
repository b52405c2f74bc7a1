//! `TOKENPAIR` settings of CORS (`crate::cors`), under django-cors-headers' names, for browser
//! clients served from another origin (a single-page app, the `/demo/` page of the stack).

use super::RawValue;
use super::catalogue::{OURS, Section, Setting, set};
use super::values::{self, Parsed};
use crate::csrf::TrustedOrigin;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct CorsSettings {
    /// Origins (`https://app.example.com`) whose browser requests may read the answers; empty:
    /// no CORS at all (the middleware is not even built).
    pub allowed_origins: Vec<String>,
    /// `Access-Control-Allow-Credentials: true`: the browser sends cookies (cookie mode) and
    /// lets the page read the answers.
    pub allow_credentials: bool,
    /// How long a browser may cache a preflight answer (`Access-Control-Max-Age`).
    pub preflight_max_age: Duration,
}

impl CorsSettings {
    pub fn enabled(&self) -> bool {
        !self.allowed_origins.is_empty()
    }
}

impl Default for CorsSettings {
    fn default() -> Self {
        Self {
            allowed_origins: Vec::new(),
            allow_credentials: false,
            // django-cors-headers' CORS_PREFLIGHT_MAX_AGE.
            preflight_max_age: Duration::from_secs(86400),
        }
    }
}

/// A list of origins as browsers send them in `Origin`: `scheme://host[:port]`, nothing after
/// (django-cors-headers refuses a path too), kept in lower case as browsers write them. Checked
/// here (as `CSRF_TRUSTED_ORIGINS` are) so that a typo fails `check` and start-up instead of
/// silently never matching. No wildcard: each origin is named (django-cors-headers has a
/// separate setting of patterns), and `*` would open the answers to every site.
pub fn origin_list(raw: &RawValue) -> Parsed<Vec<String>> {
    if values::is_empty(raw) {
        return Ok(Vec::new());
    }
    values::string_list(raw)?
        .iter()
        .map(|item| {
            let origin = TrustedOrigin::parse(item)?;
            origin
                .exact()
                .map(str::to_owned)
                .ok_or_else(|| format!("{item:?} is not an origin (no wildcards in CORS origins)"))
        })
        .collect()
}

impl Section for CorsSettings {
    const SETTINGS: &'static [Setting<Self>] = &[
        Setting::new(
            OURS,
            "CORS_ALLOWED_ORIGINS",
            "empty",
            "origins (`https://app.example.com`, comma-separated or a JSON list) whose browser \
             requests may read the answers (CORS, django-cors-headers' name); empty: no CORS \
             headers at all",
            |s, raw| set(&mut s.allowed_origins, origin_list(raw)),
        ),
        Setting::new(
            OURS,
            "CORS_ALLOW_CREDENTIALS",
            "false",
            "with CORS: `Access-Control-Allow-Credentials: true`, so that pages of those origins \
             can send cookies (cookie mode)",
            |s, raw| set(&mut s.allow_credentials, values::boolean(raw)),
        ),
        Setting::new(
            OURS,
            "CORS_PREFLIGHT_MAX_AGE",
            "1d",
            "with CORS: how long browsers may cache a preflight answer (`Access-Control-Max-Age`)",
            |s, raw| set(&mut s.preflight_max_age, values::duration(raw)),
        ),
    ];
}

#[cfg(test)]
mod tests {
    use super::origin_list;
    use config::ValueKind;

    fn parse(s: &str) -> Result<Vec<String>, String> {
        origin_list(&ValueKind::String(s.to_owned()))
    }

    #[test]
    fn origins_are_checked() {
        assert_eq!(
            parse("https://app.example.com, http://localhost:8001"),
            Ok(vec![
                "https://app.example.com".to_owned(),
                "http://localhost:8001".to_owned()
            ])
        );
        assert_eq!(parse(""), Ok(vec![]));
        assert_eq!(
            parse("https://App.Example.com"),
            Ok(vec!["https://app.example.com".to_owned()])
        );
        for bad in [
            "*",
            "https://*.example.com",
            "app.example.com",
            "https://app.example.com/",
            "https://",
        ] {
            let error = parse(bad).unwrap_err();
            assert!(error.contains("is not an origin"), "{bad}: {error}");
        }
    }
}
