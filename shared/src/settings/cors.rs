//! `TOKENPAIR` settings of CORS (`crate::cors`), under django-cors-headers' names, for browser
//! clients served from another origin (a single-page app, the `/demo/` page of the stack).

use super::RawValue;
use super::catalogue::{OURS, Section, Setting, set};
use super::values::{self, Parsed};
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
/// (django-cors-headers refuses a path too), lower case. Checked here so that a typo fails
/// `check` and start-up instead of silently never matching; `*` is refused, as a wildcard
/// cannot go with credentials and would open the tokens to every site.
pub fn origin_list(raw: &RawValue) -> Parsed<Vec<String>> {
    if values::is_empty(raw) {
        return Ok(Vec::new());
    }
    let list = values::string_list(raw)?;
    for item in &list {
        origin(item)?;
    }
    Ok(list)
}

fn origin(item: &str) -> Parsed<()> {
    let bad = |why: &str| Err(format!("{item:?} is not an origin ({why})"));
    let Some((scheme, host)) = item.split_once("://") else {
        return bad("expected scheme://host[:port], e.g. https://app.example.com");
    };
    if scheme != "http" && scheme != "https" {
        return bad("the scheme must be http or https");
    }
    if host.is_empty() {
        return bad("no host");
    }
    if host.contains(['/', '?', '#', '@']) {
        return bad("an origin has no path, query, fragment or user; remove the trailing part");
    }
    if item
        .bytes()
        .any(|b| b.is_ascii_uppercase() || !b.is_ascii_graphic())
    {
        return bad("browsers send origins in lower case, without spaces");
    }
    Ok(())
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
        for bad in [
            "*",
            "app.example.com",
            "https://app.example.com/",
            "https://App.example.com",
            "ftp://x",
            "https://",
        ] {
            let error = parse(bad).unwrap_err();
            assert!(error.contains("is not an origin"), "{bad}: {error}");
        }
    }
}
