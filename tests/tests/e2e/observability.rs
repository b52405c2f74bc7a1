//! What operators rely on: `/metrics` counts requests by route and status (and
//! logins by outcome); `/api/schema/` describes exactly the routes served.

use std::collections::BTreeSet;
use std::sync::Arc;

use tests::bodies;
use tests::{Ctx, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![metrics_count_requests_and_logins, openapi_lists_every_route]
}

async fn metrics_count_requests_and_logins(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("kyoko", "contrasenasegura");
    let (_, access) = app.obtain("kyoko", "contrasenasegura").await;
    app.post_form(
        "/api/token/",
        &[("username", "kyoko"), ("password", "nope")],
    )
    .await;
    app.protected(Some(&format!("Bearer {access}"))).await;
    app.protected(None).await;
    let auth = app.get(&format!("{}/metrics", app.auth)).await;
    assert_eq!(auth.status, 200);
    for line in [
        r#"http_requests_total{method="POST",route="/api/token/",status="200",service="auth-service"} 1"#,
        r#"http_requests_total{method="POST",route="/api/token/",status="401",service="auth-service"} 1"#,
        r#"tokenpair_logins_total{outcome="success",service="auth-service"} 1"#,
        r#"tokenpair_logins_total{outcome="failure",service="auth-service"} 1"#,
    ] {
        assert!(
            auth.text.lines().any(|l| l == line),
            "missing {line} in\n{}",
            auth.text
        );
    }
    let protected = app.get(&format!("{}/metrics", app.protected)).await;
    for line in [
        r#"http_requests_total{method="GET",route="/protected/",status="200",service="protected-service"} 1"#,
        r#"http_requests_total{method="GET",route="/protected/",status="401",service="protected-service"} 1"#,
    ] {
        assert!(
            protected.text.lines().any(|l| l == line),
            "missing {line} in\n{}",
            protected.text
        );
    }
    assert!(
        protected
            .text
            .contains("http_request_duration_seconds_bucket")
    );
}

async fn openapi_lists_every_route(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let doc = app.get(&format!("{}/api/schema/", app.auth)).await;
    assert_eq!(doc.status, 200);
    let doc = doc.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths: BTreeSet<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    // What auth-service serves with the default settings: the token views, logout-all, the
    // password change, the admin API and this document (all with Django's trailing slash),
    // the two probes and the JWKS.
    let served: BTreeSet<String> = [
        bodies::OBTAIN,
        bodies::REFRESH,
        bodies::VERIFY,
        bodies::BLACKLIST,
        bodies::SLIDING,
        bodies::SLIDING_REFRESH,
        bodies::LOGOUT_ALL,
        "/api/password/change/",
        "/api/admin/users/",
        "/api/admin/users/{id}/",
        "/api/admin/users/{id}/password/",
        "/api/schema/",
        "/api/docs/",
        "/healthz",
        "/readyz",
        "/metrics",
        "/.well-known/jwks.json",
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .collect();
    assert_eq!(paths, served);
    // Every slashed path is a route: APPEND_SLASH redirects to it, as to no unknown path.
    for path in paths.iter().filter(|p| p.ends_with('/')) {
        // a templated path (the admin API's `{id}`) with a value in it
        let path = path.replace("{id}", "1");
        let bare = path.trim_end_matches('/');
        let answer = app.get(&format!("{}{bare}", app.auth)).await;
        assert_eq!(
            (answer.status, answer.header("location")),
            (301, Some(path.as_str())),
            "GET {bare}"
        );
    }
    let unknown = app.get(&format!("{}/api/token/unknown", app.auth)).await;
    assert_eq!(unknown.status, 404, "{}", unknown.text);
    for path in &paths {
        let method = doc["paths"][path]
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap()
            .to_uppercase();
        let response = app
            .client
            .request(method.parse().unwrap(), format!("{}{path}", app.auth))
            .send()
            .await
            .unwrap();
        assert_ne!(
            response.status(),
            404,
            "{method} {path} is documented but not served"
        );
    }
    let protected = app.get(&format!("{}/api/schema/", app.protected)).await;
    assert!(protected.json()["paths"]["/protected/"]["get"].is_object());
}
