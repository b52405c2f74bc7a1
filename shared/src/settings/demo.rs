//! The `TOKENPAIR` setting of protected-service's `/demo/` page: where its JavaScript finds
//! auth-service. Shared like the other resource-service settings (`REVOCATION_URL`), so that one
//! configuration file or environment can serve both services.

use super::RawValue;
use super::catalogue::{OURS, Section, Setting, set};
use super::values::{self, Parsed};

#[derive(Debug, Clone, Default)]
pub struct DemoSettings {
    /// auth-service's base URL as the browser reaches it (`http://localhost:8000`), without a
    /// trailing slash; `None`: `/demo/` is not mounted.
    pub auth_url: Option<String>,
}

/// The URL goes into the page's `Content-Security-Policy` (`connect-src`), where `;` or `,`
/// would start another directive or policy, and into an HTML attribute: refuse anything but
/// plain URL characters rather than rely on escaping alone.
fn auth_url(raw: &RawValue) -> Parsed<Option<String>> {
    let url = values::http_url(raw)?;
    if let Some(url) = &url
        && let Some(bad) = url
            .chars()
            .find(|c| !c.is_ascii_graphic() || matches!(c, ';' | ',' | '\'' | '"' | '<' | '>'))
    {
        return Err(format!(
            "{url:?}: {bad:?} has no place in auth-service's URL"
        ));
    }
    Ok(url.map(|url| url.trim_end_matches('/').to_owned()))
}

impl Section for DemoSettings {
    const SETTINGS: &'static [Setting<Self>] = &[Setting::new(
        OURS,
        "DEMO_AUTH_URL",
        "unset",
        "protected-service: auth-service's URL as a browser reaches it (`http://localhost:8000`); \
         set, protected-service serves the browser demo at `/demo/` (README \"Browser clients\"); \
         `cargo run -p tokenpair` sets it",
        |s, raw| set(&mut s.auth_url, auth_url(raw)),
    )];
}

#[cfg(test)]
mod tests {
    use super::auth_url;
    use config::ValueKind;

    fn parse(s: &str) -> Result<Option<String>, String> {
        auth_url(&ValueKind::String(s.to_owned()))
    }

    #[test]
    fn the_url_is_checked() {
        assert_eq!(
            parse("http://localhost:8000/"),
            Ok(Some("http://localhost:8000".to_owned()))
        );
        assert_eq!(parse(""), Ok(None));
        for bad in [
            "localhost:8000",
            "http://a; script-src *",
            "http://a,b",
            "http://a\"",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
