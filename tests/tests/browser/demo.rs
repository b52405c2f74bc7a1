//! protected-service's `/demo/` page in Chromium, in both modes: log in, call `/protected/`,
//! let the access token (3 s) expire, call again (a silent refresh, then the retried call),
//! log out, call again (refused). The services run as `cargo run -p tokenpair` sets them up:
//! the page on `localhost:<port>`, auth-service another origin reached through CORS, cookie
//! mode on.

use std::net::TcpListener;
use std::sync::Arc;
use tests::app::{TEST_SECRET_KEY, create_user, protected_settings};
use tests::{Ctx, e2e, harness::E2e};
use tokenpair::{Options, Stack};

use crate::driver::{Browser, with_browser};

pub fn tests() -> Vec<E2e> {
    e2e![header_mode, cookie_mode, stack_out_of_the_box]
}

const USERNAME: &str = "kyoko";
const PASSWORD: &str = "contrasenasegura";

/// Both services wired for the page; its URL.
fn start(ctx: &Ctx) -> String {
    let bind = || TcpListener::bind("127.0.0.1:0").expect("bind");
    let (auth_listener, protected_listener) = (bind(), bind());
    let port = |l: &TcpListener| l.local_addr().expect("port").port();
    let (auth_port, protected_port) = (port(&auth_listener), port(&protected_listener));
    // `localhost`, where browsers keep `Secure` cookies on plain http (stack/src/browser.rs)
    let page_origin = format!("http://localhost:{protected_port}");
    let auth = ctx.settings(&[
        ("SIMPLE_JWT__ACCESS_TOKEN_LIFETIME", "3"),
        ("TOKENPAIR__CORS_ALLOWED_ORIGINS", &page_origin),
        ("TOKENPAIR__CORS_ALLOW_CREDENTIALS", "true"),
        ("TOKENPAIR__COOKIE_MODE", "true"),
        ("TOKENPAIR__COOKIE_ACCESS", "true"),
        ("TOKENPAIR__CSRF_TRUSTED_ORIGINS", &page_origin),
    ]);
    let protected = protected_settings(&[
        ("SECRET_KEY", TEST_SECRET_KEY),
        (
            "TOKENPAIR__DEMO_AUTH_URL",
            &format!("http://localhost:{auth_port}"),
        ),
        ("TOKENPAIR__COOKIE_ACCESS", "true"),
    ]);
    ctx.spawn_auth_on(auth, auth_listener);
    ctx.spawn_protected_on(protected, protected_listener);
    create_user(&ctx.db, USERNAME, PASSWORD);
    format!("{page_origin}/demo/")
}

async fn header_mode(ctx: Arc<Ctx>) {
    let page = start(&ctx);
    with_browser("demo-header", move |browser| async move {
        session(&browser, &page, "header", &ctx).await;
        // the tokens lived in the page's memory only
        let stored = browser
            .script("return localStorage.length + sessionStorage.length + document.cookie.length;")
            .await;
        assert_eq!(stored, 0);
    })
    .await;
}

async fn cookie_mode(ctx: Arc<Ctx>) {
    let page = start(&ctx);
    with_browser("demo-cookie", move |browser| async move {
        session(&browser, &page, "cookie", &ctx).await;
    })
    .await;
}

/// The whole session in `mode`, a screenshot per step.
async fn session(browser: &Browser, page: &str, mode: &str, ctx: &Ctx) {
    login(browser, page, mode).await;
    let result = call(browser, 1).await;
    assert_eq!(result, "HTTP 200\n{\"content\":\"This view is protected\"}");
    assert_eq!(browser.text("#refreshes").await, "0");
    browser.screenshot("2-protected").await;

    browser
        .wait_text("#expires", "the access token's expiry", |t| {
            t.starts_with("expired")
        })
        .await;
    let result = call(browser, 2).await;
    assert_eq!(result, "HTTP 200\n{\"content\":\"This view is protected\"}");
    // it took a refresh: the expired token refused, a new one from auth-service, the retry
    assert_eq!(browser.text("#refreshes").await, "1");
    let log = browser.text("#log").await;
    let newest_first: Vec<&str> = log.lines().take(3).collect();
    assert_eq!(
        newest_first,
        [
            "GET /protected/ → 200",
            "POST /api/token/refresh/ → 200",
            "GET /protected/ → 401"
        ],
        "{log}"
    );
    browser.screenshot("3-refreshed").await;

    logout(browser, 3).await;
    assert_eq!(ctx.db.count("token_blacklist_blacklistedtoken"), 1);
    browser.screenshot("4-logged-out").await;
}

/// Opens the page, picks `mode` and logs in as kyoko.
async fn login(browser: &Browser, page: &str, mode: &str) {
    browser.goto(page).await;
    browser
        .wait_text("#status", "the script", |t| t == "logged out")
        .await;
    browser.click(&format!("#mode-{mode}")).await;
    browser.screenshot("1-page").await;
    browser.fill("#username", USERNAME).await;
    browser.fill("#password", PASSWORD).await;
    browser.click("#login-button").await;
    let status = browser
        .wait_text("#status", "the login", |t| t != "logged out")
        .await;
    assert_eq!(status, format!("logged in ({mode} mode)"));
    if mode == "cookie" {
        // HttpOnly: the page cannot read its tokens
        assert_eq!(browser.script("return document.cookie;").await, "");
    }
}

/// Logs out, then makes the page's `call`-th protected call, which is refused.
async fn logout(browser: &Browser, call_number: u32) {
    browser.click("#logout").await;
    browser
        .wait_text("#status", "the logout", |t| t == "logged out")
        .await;
    let log = browser.text("#log").await;
    assert!(log.starts_with("POST /api/token/blacklist/ → 200"), "{log}");
    let result = call(browser, call_number).await;
    assert_eq!(
        result,
        "HTTP 401\n{\"detail\":\"Authentication credentials were not provided.\"}"
    );
}

/// `cargo run -p tokenpair`'s page works as printed in its banner, in cookie mode (the one that
/// needs the stack's CORS, CSRF and cookie settings and its `localhost` URL).
async fn stack_out_of_the_box(ctx: Arc<Ctx>) {
    let options = Options {
        config: None,
        auth_bind: "127.0.0.1:0".into(),
        protected_bind: "127.0.0.1:0".into(),
    };
    let env = vec![
        ("DATABASE_URL".to_owned(), ctx.db.url.clone()),
        ("SECRET_KEY".to_owned(), TEST_SECRET_KEY.to_owned()),
    ];
    let mut stack = Stack::start(&options, env).await.expect("stack starts");
    assert!(stack.banner().contains(&stack.demo_url));
    let page = stack.demo_url.clone();
    with_browser("demo-stack", move |browser| async move {
        login(&browser, &page, "cookie").await;
        let result = call(&browser, 1).await;
        assert_eq!(result, "HTTP 200\n{\"content\":\"This view is protected\"}");
        logout(&browser, 2).await;
    })
    .await;
    stack.stop().await;
}

/// Clicks the page's `/protected/` button (its `n`-th call) and waits for the answer shown.
async fn call(browser: &Browser, n: u32) -> String {
    browser.click("#call").await;
    let calls = n.to_string();
    browser
        .wait_text("#calls", "the protected call", |t| t == calls)
        .await;
    browser.text("#result").await
}
