//! CORS (`TOKENPAIR__CORS_*`) on both services: preflights answered by the middleware with
//! django-cors-headers' methods and headers, actual requests marked for allowed origins only,
//! and with CORS off nothing at all (DRF's `OPTIONS` answers as before).

use reqwest::Method;
use std::collections::BTreeSet;
use std::sync::Arc;
use tests::app::{Answer, TestApp};
use tests::{Ctx, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![
        preflight_from_an_allowed_origin,
        foreign_origins_get_no_cors_headers,
        credentials_only_when_allowed,
        off_means_no_cors_at_all,
    ]
}

const APP: &str = "https://app.example.com";

async fn request(
    app: &TestApp,
    method: Method,
    url: &str,
    headers: &[(&str, &str)],
    form: Option<&[(&str, &str)]>,
) -> Answer {
    let mut request = app.client.request(method, url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(form) = form {
        request = request.form(form);
    }
    Answer::read(request.send().await.expect("request")).await
}

/// A browser's preflight before `POST`ing JSON from `origin`.
async fn preflight(app: &TestApp, url: &str, origin: &str) -> Answer {
    let headers = [
        ("Origin", origin),
        ("Access-Control-Request-Method", "POST"),
        ("Access-Control-Request-Headers", "content-type"),
    ];
    request(app, Method::OPTIONS, url, &headers, None).await
}

/// `GET /protected/` (no token) from a page of `origin`.
async fn protected_from(app: &TestApp, origin: &str) -> Answer {
    let url = format!("{}/protected/", app.protected);
    request(app, Method::GET, &url, &[("Origin", origin)], None).await
}

/// A comma-separated header as a set (actix-cors writes its lists in hash order).
fn set(answer: &Answer, name: &str) -> BTreeSet<String> {
    answer
        .header(name)
        .unwrap_or_else(|| panic!("no {name}: {:?}", answer.headers))
        .split(',')
        .map(|item| item.trim().to_ascii_lowercase())
        .collect()
}

fn cors_headers(answer: &Answer) -> Vec<String> {
    answer
        .headers
        .keys()
        .map(|name| name.as_str().to_owned())
        .filter(|name| name.starts_with("access-control-"))
        .collect()
}

async fn preflight_from_an_allowed_origin(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[
        (
            "TOKENPAIR__CORS_ALLOWED_ORIGINS",
            &format!("http://localhost:3000,{APP}"),
        ),
        ("TOKENPAIR__CORS_ALLOW_CREDENTIALS", "true"),
        ("TOKENPAIR__CORS_PREFLIGHT_MAX_AGE", "10m"),
    ]);
    app.create_user("kyoko", "contrasenasegura");
    for url in [
        format!("{}/api/token/", app.auth),
        format!("{}/protected/", app.protected),
    ] {
        let answer = preflight(&app, &url, APP).await;
        assert_eq!((answer.status, answer.text.as_str()), (200, ""), "{url}");
        assert_eq!(answer.header("access-control-allow-origin"), Some(APP));
        assert_eq!(
            answer.header("access-control-allow-credentials"),
            Some("true")
        );
        assert_eq!(answer.header("access-control-max-age"), Some("600"));
        let methods = ["delete", "get", "options", "patch", "post", "put"];
        assert_eq!(
            set(&answer, "access-control-allow-methods"),
            methods.map(|m| m.to_owned()).into()
        );
        let headers = [
            "accept",
            "authorization",
            "content-type",
            "user-agent",
            "x-csrftoken",
            "x-requested-with",
        ];
        assert_eq!(
            set(&answer, "access-control-allow-headers"),
            headers.map(|h| h.to_owned()).into()
        );
        assert_eq!(
            answer.header("vary"),
            Some("Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
        );
        // the security headers as on every answer
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
    }

    // the actual request: the same answer as without CORS, marked for the page to read
    let credentials = [("username", "kyoko"), ("password", "contrasenasegura")];
    let url = format!("{}/api/token/", app.auth);
    let answer = request(
        &app,
        Method::POST,
        &url,
        &[("Origin", APP)],
        Some(&credentials),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.header("access-control-allow-origin"), Some(APP));
    assert_eq!(
        answer.header("access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(
        answer.header("vary"),
        Some("Accept, Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
    );
    assert_eq!(answer.header("access-control-allow-methods"), None);

    // an OPTIONS that is no preflight is still DRF's metadata view
    let answer = request(&app, Method::OPTIONS, &url, &[("Origin", APP)], None).await;
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.json()["name"],
        "Token Obtain Pair",
        "{}",
        answer.text
    );
    assert_eq!(answer.header("access-control-allow-origin"), Some(APP));
}

async fn foreign_origins_get_no_cors_headers(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[
        ("TOKENPAIR__CORS_ALLOWED_ORIGINS", APP),
        ("TOKENPAIR__CORS_ALLOW_CREDENTIALS", "true"),
    ]);
    app.create_user("kyoko", "contrasenasegura");
    let url = format!("{}/api/token/", app.auth);
    for origin in [
        "https://evil.example",
        "https://app.example.com.evil.example",
        "null",
    ] {
        let answer = preflight(&app, &url, origin).await;
        answer.assert(
            400,
            r#"{"detail":"CORS request refused: Origin is not allowed to make this request."}"#,
        );
        assert_eq!(answer.header("content-type"), Some("application/json"));
        assert_eq!(cors_headers(&answer), Vec::<String>::new(), "{origin}");
    }
    // a preflight without Origin is no browser's
    let answer = request(
        &app,
        Method::OPTIONS,
        &url,
        &[("Access-Control-Request-Method", "POST")],
        None,
    )
    .await;
    assert_eq!(answer.status, 400, "{}", answer.text);
    assert!(answer.json()["detail"].is_string());

    // a simple request is answered (curl, a form) but the browser may not read it
    let credentials = [("username", "kyoko"), ("password", "contrasenasegura")];
    let answer = request(
        &app,
        Method::POST,
        &url,
        &[("Origin", "https://evil.example")],
        Some(&credentials),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(cors_headers(&answer), Vec::<String>::new());
    // and a method or header outside the lists is refused to allowed origins too
    let headers = [
        ("Origin", APP),
        ("Access-Control-Request-Method", "POST"),
        ("Access-Control-Request-Headers", "x-secret-header"),
    ];
    let answer = request(&app, Method::OPTIONS, &url, &headers, None).await;
    answer.assert(
        400,
        r#"{"detail":"CORS request refused: One or more request headers are not allowed."}"#,
    );
}

async fn credentials_only_when_allowed(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[("TOKENPAIR__CORS_ALLOWED_ORIGINS", APP)]);
    let url = format!("{}/api/token/", app.auth);
    let answer = preflight(&app, &url, APP).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("access-control-allow-origin"), Some(APP));
    assert_eq!(answer.header("access-control-allow-credentials"), None);
    // django-cors-headers' default: a day
    assert_eq!(answer.header("access-control-max-age"), Some("86400"));
    let answer = protected_from(&app, APP).await;
    assert_eq!(answer.status, 401);
    assert_eq!(answer.header("access-control-allow-origin"), Some(APP));
    assert_eq!(answer.header("access-control-allow-credentials"), None);
}

async fn off_means_no_cors_at_all(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    for url in [
        format!("{}/api/token/", app.auth),
        format!("{}/protected/", app.protected),
    ] {
        // the preflight is DRF's OPTIONS, answered exactly as without its CORS headers
        let with = preflight(&app, &url, APP).await;
        let without = request(&app, Method::OPTIONS, &url, &[], None).await;
        assert_eq!(
            (with.status, &with.text),
            (without.status, &without.text),
            "{url}"
        );
        assert_eq!(cors_headers(&with), Vec::<String>::new());
        assert_eq!(with.header("vary"), without.header("vary"));
    }
    let answer = protected_from(&app, APP).await;
    assert_eq!(answer.status, 401);
    assert_eq!(cors_headers(&answer), Vec::<String>::new());
    assert_eq!(answer.header("vary"), Some("Accept"));
}
