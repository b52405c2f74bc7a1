//! What the stack sets so that its `/demo/` page works out of the box in a browser
//! (README "Browser clients"): the page is served by protected-service and talks to
//! auth-service, another origin, through CORS.
//!
//! The page's URL uses `localhost`, not `127.0.0.1`: browsers keep `Secure` cookies on plain
//! http only for localhost (and Chromium for loopback addresses), and cookies ignore ports, so
//! the cookies auth-service sets on `localhost:8000` reach protected-service on
//! `localhost:8001`, a page of the same site.

use auth_service::AuthSettings;
use shared::csrf::TrustedOrigin;

/// The origins the page may be opened from: the URL the banner prints, and the listener's own
/// address typed by hand (header mode works there; cookie mode needs the banner's URL, as
/// `127.0.0.1` and `localhost` are different sites to a browser).
pub fn page_origins(protected_port: u16) -> [String; 2] {
    [
        format!("http://localhost:{protected_port}"),
        format!("http://127.0.0.1:{protected_port}"),
    ]
}

/// auth-service's URL as the page reaches it.
pub fn auth_url(auth_port: u16) -> String {
    format!("http://localhost:{auth_port}")
}

/// The demo page's URL, as the banner prints it.
pub fn demo_url(protected_port: u16) -> String {
    format!("http://localhost:{protected_port}/demo/")
}

/// auth-service: CORS with credentials for the page's origins, whose cookie-authenticated
/// requests (refresh, logout) it also trusts, added to any configured; and cookie mode with the
/// access cookie, so that the page's cookie mode works. Header clients see the same JSON as
/// without it, plus `Set-Cookie` headers they can ignore.
pub fn auth_settings(settings: &mut AuthSettings, protected_port: u16) -> Result<(), String> {
    let shared = &mut settings.shared;
    for origin in page_origins(protected_port) {
        if !shared.cors.allowed_origins.contains(&origin) {
            shared.cors.allowed_origins.push(origin.clone());
        }
        let trusted = TrustedOrigin::parse(&origin)?;
        if !shared.cookies.trusted_origins.contains(&trusted) {
            shared.cookies.trusted_origins.push(trusted);
        }
    }
    shared.cors.allow_credentials = true;
    shared.cookies.mode = true;
    shared.cookies.access = true;
    Ok(())
}

/// protected-service: the page, pointed at auth-service (unless configured otherwise), and
/// the access cookie accepted (cookie mode's `/protected/` calls).
pub fn protected_settings(settings: &mut shared::Settings, auth_port: u16) {
    if settings.demo.auth_url.is_none() {
        settings.demo.auth_url = Some(auth_url(auth_port));
    }
    settings.cookies.access = true;
}
