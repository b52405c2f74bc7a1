//! `TOKENPAIR__ADMIN_BIND`: the internal endpoints (`/metrics`, `/api/schema/`,
//! `/api/docs/`) on their own listener and nowhere else; and the docs page, which
//! must load from the service alone (no CDN, nothing from another host).

use std::sync::Arc;
use std::time::Duration;

use reqwest::Client;
use tests::app::client;
use tests::{Answer, Ctx, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![
        admin_bind_moves_the_internal_endpoints,
        docs_page_loads_from_the_service_alone,
    ]
}

const INTERNAL: [&str; 3] = ["/metrics", "/api/schema/", "/api/docs/"];

async fn admin_bind_moves_the_internal_endpoints(ctx: Arc<Ctx>) {
    let settings = ctx.settings(&[("TOKENPAIR__ADMIN_BIND", "127.0.0.1:0")]);
    let (auth, auth_admin) = ctx.spawn_auth_urls(settings.clone());
    let (protected, protected_admin) = ctx.spawn_protected_urls(settings);
    let (auth_admin, protected_admin) = (auth_admin.unwrap(), protected_admin.unwrap());
    let app = Plain(client());
    for (main, admin) in [(&auth, &auth_admin), (&protected, &protected_admin)] {
        // The service's ordinary 404, as for any unknown URL.
        let unknown = app.get(&format!("{main}/no-such-page/")).await;
        assert_eq!(unknown.status, 404, "{}", unknown.text);
        for path in INTERNAL {
            let on_main = app.get(&format!("{main}{path}")).await;
            assert_eq!(
                (
                    on_main.status,
                    on_main.text.as_str(),
                    on_main.header("content-type")
                ),
                (404, unknown.text.as_str(), unknown.header("content-type")),
                "GET {main}{path}"
            );
            let on_admin = app.get(&format!("{admin}{path}")).await;
            assert_eq!(on_admin.status, 200, "GET {admin}{path}: {}", on_admin.text);
        }
        // Probes stay on the main port, and only there: the admin port has nothing else.
        for probe in ["/healthz", "/readyz"] {
            assert_eq!(
                app.get(&format!("{main}{probe}")).await.status,
                200,
                "{probe}"
            );
            let on_admin = app.get(&format!("{admin}{probe}")).await;
            assert_eq!(on_admin.status, 404, "{admin}{probe}");
            assert_eq!(on_admin.json()["detail"], "Not found.", "{}", on_admin.text);
        }
        // The main port's requests are still counted, and so are the scrapes.
        let metrics = app.get(&format!("{admin}/metrics")).await.text;
        assert!(
            metrics.contains(r#"method="GET",route="/healthz",status="200""#),
            "{metrics}"
        );
        assert!(
            metrics.contains(r#"method="GET",route="/metrics",status="200""#),
            "{metrics}"
        );
    }
    // No APPEND_SLASH redirect to what is not on the main port.
    for bare in ["/api/docs", "/api/schema"] {
        let answer = app.get(&format!("{auth}{bare}")).await;
        assert_eq!(
            (answer.status, answer.header("location")),
            (404, None),
            "{bare}"
        );
    }
    // Each document describes its own service.
    let schema = app
        .get(&format!("{protected_admin}/api/schema/"))
        .await
        .json();
    assert!(schema["paths"]["/protected/"].is_object(), "{schema}");
    let schema = app.get(&format!("{auth_admin}/api/schema/")).await.json();
    assert!(schema["paths"]["/api/token/"].is_object(), "{schema}");

    // Stopping the service (as SIGTERM or the stack's Ctrl-C does) stops both listeners.
    ctx.stop_servers().await;
    for admin in [&auth_admin, &protected_admin] {
        let mut gone = false;
        for _ in 0..100 {
            if app.0.get(format!("{admin}/metrics")).send().await.is_err() {
                gone = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(gone, "{admin} still answers after its service stopped");
    }
}

async fn docs_page_loads_from_the_service_alone(ctx: Arc<Ctx>) {
    // Unset: everything on the main port, as before.
    let app = ctx.spawn(&[]);
    for base in [&app.auth, &app.protected] {
        for path in INTERNAL {
            let answer = app.get(&format!("{base}{path}")).await;
            assert_eq!(answer.status, 200, "GET {base}{path}");
        }
        let page = app.get(&format!("{base}/api/docs/")).await;
        assert_eq!(
            page.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert_no_url(&page.text, "the page");
        let csp = page.header("content-security-policy").expect("a CSP");
        // Only keywords and `data:`: no host may serve or receive anything.
        for source in csp.split(';').flat_map(|d| d.split_whitespace().skip(1)) {
            assert!(
                source.starts_with('\'') || source == "data:",
                "{source} in {csp}"
            );
        }
        assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self';"));
        let assets = references(&page.text);
        assert_eq!(assets.len(), 4, "{assets:?}");
        for asset in assets {
            assert!(!asset.contains(':') && !asset.starts_with('/'), "{asset}");
            let answer = app.get(&format!("{base}/api/docs/{asset}")).await;
            assert_eq!(answer.status, 200, "{asset}");
            let content_type = answer.header("content-type").unwrap_or_default();
            if asset.ends_with(".js") {
                assert_eq!(content_type, "text/javascript; charset=utf-8", "{asset}");
            } else {
                assert_eq!(content_type, "text/css; charset=utf-8", "{asset}");
                assert_css_fetches_nothing(&answer, &asset);
            }
            if asset == "swagger-initializer.js" {
                assert_no_url(&answer.text, &asset);
                // The service's own document, relative to the page, and no validator badge.
                assert!(
                    answer.text.contains(r#"url: "../schema/""#),
                    "{}",
                    answer.text
                );
                assert!(
                    answer.text.contains("validatorUrl: null"),
                    "{}",
                    answer.text
                );
            }
            if asset == "swagger-ui-bundle.js" {
                assert!(answer.text.contains("SwaggerUIBundle"));
                // The bundle holds URLs as data (XML namespaces, JSON Schema ids, links
                // in its texts), which the CSP keeps it from fetching; none is a CDN.
                for cdn in ["unpkg.com", "jsdelivr.net", "cdnjs", "googleapis.com"] {
                    assert!(!answer.text.contains(cdn), "{cdn} in the bundle");
                }
            }
        }
    }
}

/// A client for URLs outside a `TestApp`.
struct Plain(Client);

impl Plain {
    async fn get(&self, url: &str) -> Answer {
        Answer::read(self.0.get(url).send().await.expect("request")).await
    }
}

/// The `src` and `href` attributes of `html`.
fn references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for (at, _) in html.match_indices(attribute) {
            let rest = &html[at + attribute.len()..];
            found.push(rest[..rest.find('"').unwrap_or(rest.len())].to_owned());
        }
    }
    found
}

fn assert_no_url(text: &str, what: &str) {
    assert!(
        !text.contains("http://") && !text.contains("https://") && !text.contains("//cdn"),
        "a URL in {what}: {text}"
    );
}

/// Swagger UI's styles: icons as `data:` images, and no `@import`.
fn assert_css_fetches_nothing(css: &Answer, asset: &str) {
    assert!(!css.text.contains("@import"), "{asset}");
    for (at, _) in css.text.match_indices("url(") {
        let target = css.text[at + 4..].trim_start_matches(['"', '\'']);
        assert!(
            target.starts_with("data:"),
            "{asset}: {}",
            &target[..40.min(target.len())]
        );
    }
}
