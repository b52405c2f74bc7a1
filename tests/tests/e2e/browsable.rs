//! DRF's browsable API on the token views: a browser (`Accept: text/html`, or
//! `?format=api`) gets the view's answer in an HTML page with a form that posts
//! to the view; JSON clients keep today's answers.

use base64::Engine;
use reqwest::{Method, header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;

use tests::bodies::{BLACKLIST, OBTAIN, REFRESH, SLIDING, SLIDING_REFRESH, VERIFY};
use tests::{Answer, Ctx, TestApp, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![
        get_shows_every_token_view_with_drfs_405,
        form_post_shows_the_token_pair,
        echoed_input_is_escaped,
        format_api_selects_the_page,
        errors_render_in_the_page,
        json_clients_and_options_are_unchanged,
        cookie_mode_pages_keep_the_cookies_out_of_sight,
    ]
}

/// What Chromium sends when it navigates or submits a form.
const BROWSER: &str =
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

/// `(path, name, fields)` of every token view.
const VIEWS: [(&str, &str, &[&str]); 6] = [
    (OBTAIN, "Token Obtain Pair", &["username", "password"]),
    (REFRESH, "Token Refresh", &["refresh"]),
    (VERIFY, "Token Verify", &["token"]),
    (BLACKLIST, "Token Blacklist", &["refresh"]),
    (SLIDING, "Token Obtain Sliding", &["username", "password"]),
    (SLIDING_REFRESH, "Token Refresh Sliding", &["token"]),
];

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    accept: Option<&str>,
    form: Option<&[(&str, &str)]>,
) -> Answer {
    let mut request = app.client.request(method, format!("{}{path}", app.auth));
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    if let Some(form) = form {
        request = request.form(form);
    }
    Answer::read(request.send().await.expect("request")).await
}

/// A POST to the obtain view with a raw body, asking for HTML.
async fn post_raw_for_html(app: &TestApp, content_type: &str, body: &'static str) -> Answer {
    let request = app
        .client
        .post(format!("{}{OBTAIN}", app.auth))
        .header(header::ACCEPT, "text/html")
        .header(header::CONTENT_TYPE, content_type)
        .body(body);
    Answer::read(request.send().await.expect("POST")).await
}

/// The page's parts a browser shows, checked for what every page must be.
struct Page {
    /// The `<pre id="response">` block, unescaped: status line, headers, JSON.
    response: String,
}

impl Page {
    #[track_caller]
    fn of(answer: &Answer) -> Self {
        assert_eq!(
            answer.header("content-type"),
            Some("text/html; charset=utf-8"),
            "{answer:?}"
        );
        assert_eq!(answer.header("vary"), Some("Accept"));
        assert_eq!(answer.header("allow"), Some("POST, OPTIONS"));
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
        let html = &answer.text;
        // No script, no external asset: the only style is inline, allowed by its hash.
        for banned in ["<script", " src=", "<link", "href=", "style=", "<img"] {
            assert!(!html.contains(banned), "{banned} in {html}");
        }
        let style = between(html, "<style>", "</style>");
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(style));
        assert_eq!(
            answer.header("content-security-policy"),
            Some(
                format!(
                    "default-src 'none'; style-src 'sha256-{hash}'; form-action 'self'; \
                     frame-ancestors 'none'; base-uri 'none'"
                )
                .as_str()
            )
        );
        Self {
            response: unescape(between(html, "<pre id=\"response\">", "</pre>")),
        }
    }

    /// The JSON after the status and header lines.
    fn json(&self) -> Value {
        let (_, body) = self
            .response
            .split_once("\n\n")
            .unwrap_or_else(|| panic!("no blank line: {}", self.response));
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
    }

    fn status_line(&self) -> &str {
        self.response.lines().next().unwrap_or_default()
    }
}

#[track_caller]
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in {text}"))
        + start.len();
    let to = text[from..]
        .find(end)
        .unwrap_or_else(|| panic!("no {end} after {start}"));
    &text[from..from + to]
}

/// The entities the page writes; anything else left as is would fail the JSON parse.
fn unescape(html: &str) -> String {
    html.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

async fn get_shows_every_token_view_with_drfs_405(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    for (path, name, fields) in VIEWS {
        let answer = send(&app, Method::GET, path, Some(BROWSER), None).await;
        assert_eq!(answer.status, 405, "{path}: {answer:?}");
        let page = Page::of(&answer);
        assert_eq!(
            page.response,
            "HTTP 405 Method Not Allowed\nAllow: POST, OPTIONS\nContent-Type: application/json\n\
             Vary: Accept\n\n{\n    \"detail\": \"Method \\\"GET\\\" not allowed.\"\n}"
        );
        let html = &answer.text;
        assert!(html.contains(&format!("<h1>{name}</h1>")), "{html}");
        assert!(
            html.contains(&format!(
                "<form id=\"post-form\" method=\"post\" action=\"{path}\">"
            )),
            "{html}"
        );
        assert!(html.contains("<button type=\"submit\">POST</button>"));
        assert!(html.contains(&format!("<pre id=\"request\">GET {path}</pre>")));
        for field in fields {
            let kind = if *field == "password" {
                "password"
            } else {
                "text"
            };
            let input = format!("name=\"{field}\" type=\"{kind}\"");
            assert!(html.contains(&input), "{input} in {html}");
        }
        assert_eq!(html.matches("<input ").count(), fields.len(), "{html}");
    }
    // HEAD: the page's status and type, no body (as Django)
    let head = send(&app, Method::HEAD, OBTAIN, Some("text/html"), None).await;
    assert_eq!(head.status, 405);
    assert_eq!(
        head.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(head.text, "");
}

async fn form_post_shows_the_token_pair(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("kyoko", "contrasenasegura");
    let form = [("username", "kyoko"), ("password", "contrasenasegura")];
    let answer = send(&app, Method::POST, OBTAIN, Some(BROWSER), Some(&form)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let page = Page::of(&answer);
    assert!(
        page.response.starts_with(
            "HTTP 200 OK\nAllow: POST, OPTIONS\nContent-Type: application/json\nVary: Accept\n\n"
        ),
        "{}",
        page.response
    );
    let pair = page.json();
    let keys: Vec<&String> = pair.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["refresh", "access"]);
    let (refresh, access) = (&pair["refresh"], &pair["access"]);
    // The tokens on the page are real: they verify and refresh (JSON clients).
    for token in [refresh, access] {
        app.post_json(VERIFY, &json!({ "token": token }))
            .await
            .assert(200, "{}");
    }
    let refreshed = app.post_json(REFRESH, &json!({ "refresh": refresh })).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    // The other forms answer in their page too: refresh, then blacklist (logout).
    let refresh = refresh.as_str().expect("string");
    let form = [("refresh", refresh)];
    let answer = send(&app, Method::POST, REFRESH, Some(BROWSER), Some(&form)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(Page::of(&answer).json()["access"].is_string());
    let answer = send(&app, Method::POST, BLACKLIST, Some(BROWSER), Some(&form)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(Page::of(&answer).json(), json!({}));
    let again = send(&app, Method::POST, REFRESH, Some(BROWSER), Some(&form)).await;
    assert_eq!(again.status, 401, "{again:?}");
    let page = Page::of(&again);
    assert_eq!(page.status_line(), "HTTP 401 Unauthorized");
    assert!(
        page.response
            .contains("\nWWW-Authenticate: Bearer realm=\"api\"\n"),
        "{}",
        page.response
    );
    assert_eq!(
        page.json(),
        json!({"detail": "Token is blacklisted", "code": "token_not_valid"})
    );
    assert_eq!(
        again.header("www-authenticate"),
        Some("Bearer realm=\"api\"")
    );
}

async fn echoed_input_is_escaped(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    // DRF echoes the Content-Type it cannot parse: the page must not run it.
    let hostile = "text/<script>alert('x')</script>";
    let answer = post_raw_for_html(&app, hostile, "username=<script>").await;
    assert_eq!(answer.status, 415, "{answer:?}");
    let page = Page::of(&answer);
    assert!(
        answer
            .text
            .contains("text/&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"),
        "{}",
        answer.text
    );
    assert_eq!(
        page.json(),
        json!({"detail": format!("Unsupported media type \"{hostile}\" in request.")})
    );
}

async fn format_api_selects_the_page(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("kyoko", "contrasenasegura");
    let path = format!("{OBTAIN}?format=api");
    let answer = send(&app, Method::GET, &path, None, None).await;
    assert_eq!(answer.status, 405);
    Page::of(&answer);
    assert!(
        answer
            .text
            .contains("<pre id=\"request\">GET /api/token/?format=api</pre>")
    );
    let form = [("username", "kyoko"), ("password", "contrasenasegura")];
    let answer = send(&app, Method::POST, &path, None, Some(&form)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(Page::of(&answer).json()["access"].is_string());
    // `?format=json` wins over a browser's Accept (it lists `*/*`).
    let answer = send(
        &app,
        Method::GET,
        &format!("{OBTAIN}?format=json"),
        Some(BROWSER),
        None,
    )
    .await;
    answer.assert(405, r#"{"detail":"Method \"GET\" not allowed."}"#);
    // …and a format nothing renders is DRF's 404, in JSON.
    let answer = send(
        &app,
        Method::GET,
        &format!("{OBTAIN}?format=xml"),
        Some(BROWSER),
        None,
    )
    .await;
    answer.assert(404, r#"{"detail":"Not found."}"#);
}

async fn errors_render_in_the_page(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[("TOKENPAIR__LOGIN_THROTTLE_USER", "1/min")]);
    // A body the parser refuses.
    let answer = post_raw_for_html(&app, "application/json", "{").await;
    assert_eq!(answer.status, 400, "{answer:?}");
    let detail = Page::of(&answer).json()["detail"].clone();
    assert!(
        detail
            .as_str()
            .is_some_and(|d| d.starts_with("JSON parse error - ")),
        "{detail}"
    );
    // Field errors.
    let answer = send(&app, Method::POST, OBTAIN, Some(BROWSER), Some(&[])).await;
    assert_eq!(answer.status, 400);
    assert_eq!(
        Page::of(&answer).json(),
        json!({"username": ["This field is required."], "password": ["This field is required."]})
    );
    // Throttled: the status, the Retry-After header, and both shown on the page.
    let form = [("username", "nobody"), ("password", "x")];
    let first = send(&app, Method::POST, OBTAIN, Some(BROWSER), Some(&form)).await;
    assert_eq!(first.status, 401, "{first:?}");
    let throttled = send(&app, Method::POST, OBTAIN, Some(BROWSER), Some(&form)).await;
    assert_eq!(throttled.status, 429, "{throttled:?}");
    let wait = throttled
        .header("retry-after")
        .expect("Retry-After")
        .to_owned();
    let page = Page::of(&throttled);
    assert_eq!(page.status_line(), "HTTP 429 Too Many Requests");
    assert!(
        page.response.contains(&format!("\nRetry-After: {wait}\n")),
        "{}",
        page.response
    );
    assert!(
        page.json()["detail"]
            .as_str()
            .is_some_and(|d| d.starts_with("Request was throttled."))
    );
}

async fn json_clients_and_options_are_unchanged(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    for accept in [None, Some("*/*"), Some("application/json")] {
        let answer = send(&app, Method::GET, OBTAIN, accept, None).await;
        answer.assert(405, r#"{"detail":"Method \"GET\" not allowed."}"#);
        assert_eq!(answer.header("content-type"), Some("application/json"));
        assert_eq!(answer.header("content-security-policy"), None);
    }
    // OPTIONS stays the metadata document, whatever the Accept.
    let options = send(&app, Method::OPTIONS, OBTAIN, Some(BROWSER), None).await;
    assert_eq!(options.status, 200);
    assert_eq!(options.header("content-type"), Some("application/json"));
    assert_eq!(options.json()["name"], "Token Obtain Pair");
    // An Accept nothing renders: DRF's 406, in JSON.
    let answer = send(&app, Method::GET, OBTAIN, Some("application/xml"), None).await;
    answer.assert(
        406,
        r#"{"detail":"Could not satisfy the request Accept header."}"#,
    );
}

async fn cookie_mode_pages_keep_the_cookies_out_of_sight(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[
        ("TOKENPAIR__COOKIE_MODE", "true"),
        ("TOKENPAIR__COOKIE_ACCESS", "true"),
    ]);
    app.create_user("kyoko", "contrasenasegura");
    let form = [("username", "kyoko"), ("password", "contrasenasegura")];
    let answer = send(&app, Method::POST, OBTAIN, Some(BROWSER), Some(&form)).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    let pair = Page::of(&answer).json();
    let refresh = pair["refresh"].as_str().expect("refresh").to_owned();
    // The view's cookies are set, as for a JSON client, but the page does not list them
    // (Django's list has no cookies either): HttpOnly stays meaningful.
    let cookies: Vec<&str> = answer
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    assert!(cookies[0].starts_with(&format!("__Secure-tokenpair-refresh={refresh};")));
    assert!(cookies[1].starts_with("__Secure-tokenpair-access="));
    assert!(!answer.text.contains("Set-Cookie"), "{}", answer.text);
    assert!(
        !answer.text.contains("__Secure-tokenpair"),
        "{}",
        answer.text
    );
    // Refresh through the cookie, from the service's own page (its Origin): the page.
    let cookie = format!("__Secure-tokenpair-refresh={refresh}");
    let from = |origin: &str| {
        app.client
            .post(format!("{}{REFRESH}", app.auth))
            .header(header::ACCEPT, BROWSER)
            .header(header::COOKIE, cookie.as_str())
            .header(header::ORIGIN, origin)
    };
    let answer = Answer::read(from(&app.auth).send().await.expect("POST")).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(Page::of(&answer).json()["access"].is_string());
    // A cross-site one: DRF's CSRF 403, in the page.
    let answer = Answer::read(from("https://evil.example").send().await.expect("POST")).await;
    assert_eq!(answer.status, 403, "{answer:?}");
    assert_eq!(
        Page::of(&answer).json(),
        json!({"detail": "CSRF Failed: Origin checking failed - https://evil.example does not match any trusted origins."})
    );
}
