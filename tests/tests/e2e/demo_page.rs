//! protected-service's `/demo/` page (`TOKENPAIR__DEMO_AUTH_URL`) as served: mounted only when
//! set, with its files and a policy that lets its script reach auth-service and nothing else.
//! What the page does in a browser is the browser test's (tests/tests/browser).

use std::sync::Arc;
use tests::app::protected_settings;
use tests::{Ctx, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![served_with_its_policy_when_set, absent_by_default]
}

async fn served_with_its_policy_when_set(ctx: Arc<Ctx>) {
    let settings = protected_settings(&[
        ("SECRET_KEY", tests::app::TEST_SECRET_KEY),
        ("TOKENPAIR__DEMO_AUTH_URL", "http://localhost:8000/"),
    ]);
    let app = ctx.app(ctx.settings(&[]), settings);
    let page = app.get(&format!("{}/demo/", app.protected)).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(
        page.header("content-security-policy"),
        Some(
            "default-src 'none'; script-src 'self'; style-src 'self'; \
             connect-src 'self' http://localhost:8000; base-uri 'none'; form-action 'none'; \
             frame-ancestors 'none'"
        )
    );
    assert!(
        page.text
            .contains(r#"<meta name="tokenpair-auth-url" content="http://localhost:8000">"#),
        "{}",
        page.text
    );
    assert!(!page.text.contains("<script>"), "no inline script");
    for (file, content_type) in [
        ("demo.js", "text/javascript; charset=utf-8"),
        ("demo.css", "text/css; charset=utf-8"),
    ] {
        assert!(page.text.contains(&format!("\"{file}\"")), "{file}");
        let answer = app.get(&format!("{}/demo/{file}", app.protected)).await;
        assert_eq!(answer.status, 200, "{file}");
        assert_eq!(answer.header("content-type"), Some(content_type));
        assert!(answer.text.len() > 500, "{file}");
    }
}

async fn absent_by_default(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    for path in ["/demo/", "/demo/demo.js"] {
        app.get(&format!("{}{path}", app.protected))
            .await
            .assert(404, r#"{"detail":"Not found."}"#);
    }
    // and the setting is protected-service's: auth-service has no such page
    let settings = ctx.settings(&[("TOKENPAIR__DEMO_AUTH_URL", "http://localhost:8000")]);
    let auth = ctx.spawn_auth(settings);
    app.get(&format!("{auth}/demo/"))
        .await
        .assert(404, r#"{"detail":"Not found."}"#);
}
