//! `/demo/` (with `TOKENPAIR__DEMO_AUTH_URL`): a browser client of auth-service and of this
//! service, in plain HTML, JavaScript and CSS compiled into the binary (no build step, no CDN).
//! What the page does is in `demo/demo.js`; README "Browser clients" tells how to use it.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use shared::docs::{CSS, JS, static_file};

pub const PATH: &str = "/demo/";

const PAGE: &str = include_str!("demo/index.html");

/// The page's own origin for everything, and auth-service for its requests; no inline script
/// or style, no frames, no form posted anywhere (the script sends the login).
fn policy(auth_url: &str) -> String {
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self' {auth_url}; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

/// The page with auth-service's URL, and its policy, built once at start-up. The URL was
/// checked when the settings were loaded (no `;`, `,`, quotes or spaces); it is escaped anyway.
#[derive(Clone)]
struct Page {
    html: String,
    policy: HeaderValue,
}

/// The routes of the page and its two files, or none when `auth_url` is unset.
pub fn config(cfg: &mut web::ServiceConfig, auth_url: Option<&str>) {
    let Some(auth_url) = auth_url else {
        return;
    };
    let Ok(policy) = HeaderValue::try_from(policy(auth_url)) else {
        // Unreachable with a checked URL; no page rather than a page without its policy.
        tracing::error!("TOKENPAIR__DEMO_AUTH_URL cannot go into a header: /demo/ not served");
        return;
    };
    let page = Page {
        html: PAGE.replace("{AUTH_URL}", &htmlize::escape_attribute(auth_url)),
        policy,
    };
    cfg.service(web::resource(PATH).name(PATH).route(web::get().to(move || {
        let page = page.clone();
        async move {
            HttpResponse::Ok()
                .content_type("text/html; charset=utf-8")
                .insert_header((header::CONTENT_SECURITY_POLICY, page.policy))
                .insert_header((header::CACHE_CONTROL, "no-cache"))
                .body(page.html)
        }
    })));
    static_file(cfg, "/demo/demo.js", JS, include_bytes!("demo/demo.js"));
    static_file(cfg, "/demo/demo.css", CSS, include_bytes!("demo/demo.css"));
}
