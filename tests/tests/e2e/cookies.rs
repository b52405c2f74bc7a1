//! Cookie mode (README "Browser clients"): the token cookies' exact `Set-Cookie` fields,
//! refresh and logout through the refresh cookie, the access cookie at both services, the
//! CSRF `Origin` check of cookie-authenticated requests, cookie mode off changing nothing,
//! and the start-up refusal of settings whose tokens outgrow a cookie.

use reqwest::Method;
use reqwest::header::{COOKIE, ORIGIN};
use serde_json::{Value, json};
use std::sync::Arc;

use super::cli::auth_service;
use tests::app::{TEST_SECRET_KEY, protected_settings};
use tests::bodies::{
    BLACKLIST, BLACKLISTED, INVALID, LOGOUT_ALL, NOT_PROVIDED, PROTECTED, REFRESH,
};
use tests::{Answer, Ctx, TestApp, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![
        obtain_sets_exact_cookies,
        refresh_reads_the_refresh_cookie,
        rotation_replaces_the_refresh_cookie,
        blacklist_reads_and_clears_the_cookies,
        cross_site_cookie_requests_are_refused,
        access_cookie_at_both_services,
        cookie_mode_off_changes_nothing,
        oversized_tokens_stop_start_up,
    ]
}

const USER: &str = "kyoko";
const PASSWORD: &str = "contrasenasegura";
const REFRESH_COOKIE: &str = "__Secure-tokenpair-refresh";
const ACCESS_COOKIE: &str = "__Secure-tokenpair-access";
const FOREIGN: &str = "https://evil.example";

fn cross_site(origin: &str) -> String {
    json!({
        "detail": format!("CSRF Failed: Origin checking failed - {origin} does not match any trusted origins.")
    })
    .to_string()
}

/// protected-service's answer to a token that is no access token.
const NOT_VALID_ACCESS: &str = r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid"}]}"#;

const NO_ORIGIN: &str = r#"{"detail":"CSRF Failed: Origin checking failed - no Origin."}"#;

fn cookie_mode(access: bool) -> Vec<(&'static str, &'static str)> {
    let mut env = vec![("TOKENPAIR__COOKIE_MODE", "true")];
    if access {
        env.push(("TOKENPAIR__COOKIE_ACCESS", "true"));
    }
    env
}

/// The `Set-Cookie` fields of an answer, in order.
fn set_cookies(answer: &Answer) -> Vec<String> {
    answer
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().expect("ASCII Set-Cookie").to_owned())
        .collect()
}

fn refresh_set(token: &str, max_age: u64) -> String {
    format!(
        "{REFRESH_COOKIE}={token}; HttpOnly; Secure; SameSite=Strict; Path=/api/token/; Max-Age={max_age}"
    )
}

fn access_set(token: &str, max_age: u64) -> String {
    format!("{ACCESS_COOKIE}={token}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age={max_age}")
}

fn cleared() -> Vec<String> {
    vec![refresh_set("", 0), access_set("", 0)]
}

/// `method base+path` carrying `cookie` (`name=value`), an optional `Origin` and an
/// optional JSON body.
async fn with_cookie(
    app: &TestApp,
    method: Method,
    url: String,
    cookie: &str,
    origin: Option<&str>,
    body: Option<Value>,
) -> Answer {
    let mut request = app.client.request(method, url).header(COOKIE, cookie);
    if let Some(origin) = origin {
        request = request.header(ORIGIN, origin);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    Answer::read(request.send().await.expect("request")).await
}

/// A bodiless POST to one of auth-service's token views with the refresh cookie, from the
/// service's own origin (what a page served by it sends).
async fn post_refresh_cookie(app: &TestApp, path: &str, refresh: &str) -> Answer {
    let cookie = format!("{REFRESH_COOKIE}={refresh}");
    let url = format!("{}{path}", app.auth);
    with_cookie(app, Method::POST, url, &cookie, Some(&app.auth), None).await
}

/// Logs in; the answer and its (refresh, access) pair.
async fn log_in(app: &TestApp) -> (Answer, String, String) {
    let answer = app
        .post_form("/api/token/", &[("username", USER), ("password", PASSWORD)])
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let (refresh, access) = (answer.field("refresh"), answer.field("access"));
    (answer, refresh, access)
}

async fn obtain_sets_exact_cookies(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&cookie_mode(true));
    app.create_user(USER, PASSWORD);
    let (answer, refresh, access) = log_in(&app).await;
    // the body is today's
    let keys: Vec<String> = answer.json().as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["refresh", "access"]);
    assert_eq!(
        set_cookies(&answer),
        [refresh_set(&refresh, 86_400), access_set(&access, 300)]
    );

    // the refresh cookie alone without COOKIE_ACCESS; Domain and lifetimes from the settings
    let mut env = cookie_mode(false);
    env.extend([
        ("TOKENPAIR__COOKIE_DOMAIN", "Example.com"),
        ("SIMPLE_JWT__REFRESH_TOKEN_LIFETIME", "2h"),
    ]);
    let app = TestApp {
        auth: ctx.spawn_auth(ctx.settings(&env)),
        ..app
    };
    let (answer, refresh, _) = log_in(&app).await;
    assert_eq!(
        set_cookies(&answer),
        [refresh_set(&refresh, 7200) + "; Domain=example.com"]
    );
    // the sliding views have no cookies
    let sliding = app
        .post_form(
            "/api/token/sliding/",
            &[("username", USER), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(sliding.status, 200, "{}", sliding.text);
    assert!(set_cookies(&sliding).is_empty());
}

async fn refresh_reads_the_refresh_cookie(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&cookie_mode(true));
    app.create_user(USER, PASSWORD);
    let (_, refresh, _) = log_in(&app).await;
    let answer = post_refresh_cookie(&app, REFRESH, &refresh).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let access = answer.field("access");
    assert_eq!(
        answer.json().as_object().unwrap().len(),
        1,
        "{}",
        answer.text
    );
    // without rotation the refresh cookie keeps the one refresh token: not set again
    assert_eq!(set_cookies(&answer), [access_set(&access, 300)]);
    assert_eq!(
        app.protected(Some(&format!("Bearer {access}"))).await.text,
        PROTECTED
    );

    // a body's `refresh` wins over the cookie, and needs no Origin
    let garbage = format!("{REFRESH_COOKIE}=garbage");
    let url = format!("{}{REFRESH}", app.auth);
    let body = Some(json!({ "refresh": refresh }));
    let answer = with_cookie(&app, Method::POST, url.clone(), &garbage, None, body).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    // a blank value sent on purpose (JSON) is the field's error, not a reason to read the cookie
    let cookie = format!("{REFRESH_COOKIE}={refresh}");
    let blank = Some(json!({ "refresh": " " }));
    with_cookie(
        &app,
        Method::POST,
        url.clone(),
        &cookie,
        Some(&app.auth),
        blank,
    )
    .await
    .assert(400, r#"{"refresh":["This field may not be blank."]}"#);
    // an empty form field (a browser form sends every input) reads the cookie
    let answer = app
        .client
        .post(&url)
        .header(COOKIE, &cookie)
        .header(ORIGIN, &app.auth)
        .form(&[("refresh", "")])
        .send()
        .await
        .expect("request");
    let answer = Answer::read(answer).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    // a bad cookie gets simplejwt's answer
    post_refresh_cookie(&app, REFRESH, "garbage")
        .await
        .assert_401(INVALID);
    // no body and no cookie: today's 400
    app.post_form(REFRESH, &[])
        .await
        .assert(400, r#"{"refresh":["This field is required."]}"#);
}

async fn rotation_replaces_the_refresh_cookie(ctx: Arc<Ctx>) {
    let mut env = cookie_mode(false);
    env.extend([
        ("SIMPLE_JWT__ROTATE_REFRESH_TOKENS", "true"),
        ("SIMPLE_JWT__BLACKLIST_AFTER_ROTATION", "true"),
    ]);
    let app = ctx.spawn(&env);
    app.create_user(USER, PASSWORD);
    let (_, first, _) = log_in(&app).await;
    let answer = post_refresh_cookie(&app, REFRESH, &first).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let second = answer.field("refresh");
    assert_ne!(second, first);
    assert_eq!(set_cookies(&answer), [refresh_set(&second, 86_400)]);
    // the browser now sends the new cookie; the old one is blacklisted
    let again = post_refresh_cookie(&app, REFRESH, &second).await;
    assert_eq!(again.status, 200, "{}", again.text);
    post_refresh_cookie(&app, REFRESH, &first)
        .await
        .assert_401(BLACKLISTED);
}

async fn blacklist_reads_and_clears_the_cookies(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&cookie_mode(true));
    app.create_user(USER, PASSWORD);
    let (_, refresh, _) = log_in(&app).await;
    let answer = post_refresh_cookie(&app, BLACKLIST, &refresh).await;
    answer.assert(200, "{}");
    assert_eq!(set_cookies(&answer), cleared());
    // the cookie's token is dead: refresh refuses it, a second logout clears again
    post_refresh_cookie(&app, REFRESH, &refresh)
        .await
        .assert_401(BLACKLISTED);
    let again = post_refresh_cookie(&app, BLACKLIST, &refresh).await;
    again.assert_401(BLACKLISTED);
    assert_eq!(set_cookies(&again), cleared());
    // a logout with the token in the body clears them too
    let (_, refresh, _) = log_in(&app).await;
    let answer = app.post_form(BLACKLIST, &[("refresh", &refresh)]).await;
    answer.assert(200, "{}");
    assert_eq!(set_cookies(&answer), cleared());
}

async fn cross_site_cookie_requests_are_refused(ctx: Arc<Ctx>) {
    let mut env = cookie_mode(true);
    env.extend([
        ("TOKENPAIR__CSRF_TRUSTED_ORIGINS", "https://app.example"),
        ("SIMPLE_JWT__ROTATE_REFRESH_TOKENS", "true"),
    ]);
    let app = ctx.spawn(&env);
    app.create_user(USER, PASSWORD);
    let (_, refresh, _) = log_in(&app).await;
    let cookie = format!("{REFRESH_COOKIE}={refresh}");
    for path in [REFRESH, BLACKLIST] {
        let url = format!("{}{path}", app.auth);
        let foreign = with_cookie(
            &app,
            Method::POST,
            url.clone(),
            &cookie,
            Some(FOREIGN),
            None,
        )
        .await;
        foreign.assert(403, &cross_site(FOREIGN));
        assert!(set_cookies(&foreign).is_empty(), "{path}");
        let missing = with_cookie(&app, Method::POST, url.clone(), &cookie, None, None).await;
        missing.assert(403, NO_ORIGIN);
        // another scheme of our own host is another origin
        let http_twin = app.auth.replace("http://", "https://");
        let twin = with_cookie(&app, Method::POST, url, &cookie, Some(&http_twin), None).await;
        twin.assert(403, &cross_site(&http_twin));
    }
    // nothing was rotated or blacklisted: the trusted origin refreshes with the same cookie
    let url = format!("{}{REFRESH}", app.auth);
    let trusted = with_cookie(
        &app,
        Method::POST,
        url.clone(),
        &cookie,
        Some("https://app.example"),
        None,
    )
    .await;
    assert_eq!(trusted.status, 200, "{}", trusted.text);
    // a token in the body is not cookie-authenticated: no Origin needed, whatever the cookie
    let (_, other, _) = log_in(&app).await;
    let body = Some(json!({ "refresh": other }));
    let answer = with_cookie(&app, Method::POST, url, &cookie, Some(FOREIGN), body).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    // obtain carries credentials, no cookie: never checked
    let login = app
        .client
        .post(format!("{}/api/token/", app.auth))
        .header(ORIGIN, FOREIGN)
        .header(COOKIE, cookie)
        .form(&[("username", USER), ("password", PASSWORD)])
        .send()
        .await
        .expect("POST");
    assert_eq!(login.status(), 200);
}

async fn access_cookie_at_both_services(ctx: Arc<Ctx>) {
    let auth = ctx.settings(&cookie_mode(true));
    // protected-service sets no cookie: COOKIE_ACCESS alone reads the access cookie there
    let protected = protected_settings(&[
        ("SECRET_KEY", TEST_SECRET_KEY),
        ("TOKENPAIR__COOKIE_ACCESS", "true"),
    ]);
    let app = ctx.app(auth, protected);
    app.create_user(USER, PASSWORD);
    let (_, _, access) = log_in(&app).await;
    let cookie = format!("{ACCESS_COOKIE}={access}");
    let protected = format!("{}/protected/", app.protected);
    let get = |cookie: String| {
        let (app, url) = (&app, protected.clone());
        async move { with_cookie(app, Method::GET, url, &cookie, None, None).await }
    };
    // a safe method needs no Origin
    get(cookie.clone()).await.assert(200, PROTECTED);
    get(format!("{ACCESS_COOKIE}=garbage"))
        .await
        .assert_401(NOT_VALID_ACCESS);
    get(format!("{REFRESH_COOKIE}={access}"))
        .await
        .assert_401(NOT_PROVIDED);
    // the header wins over the cookie
    let header_first = app
        .client
        .get(&protected)
        .header(COOKIE, format!("{ACCESS_COOKIE}=garbage"))
        .bearer_auth(&access)
        .send()
        .await
        .expect("GET");
    assert_eq!(header_first.status(), 200);
    // an unsafe method from another origin is refused before anything else; from the
    // service's own origin it reaches DRF's method check
    let post = |origin: Option<String>| {
        let (app, url, cookie) = (&app, protected.clone(), cookie.clone());
        async move { with_cookie(app, Method::POST, url, &cookie, origin.as_deref(), None).await }
    };
    post(Some(FOREIGN.into()))
        .await
        .assert(403, &cross_site(FOREIGN));
    post(None).await.assert(403, NO_ORIGIN);
    post(Some(app.protected.clone()))
        .await
        .assert(405, r#"{"detail":"Method \"POST\" not allowed."}"#);

    // auth-service's Bearer routes accept it too, with the same rule
    let logout_all = format!("{}{LOGOUT_ALL}", app.auth);
    with_cookie(
        &app,
        Method::POST,
        logout_all.clone(),
        &cookie,
        Some(FOREIGN),
        None,
    )
    .await
    .assert(403, &cross_site(FOREIGN));
    with_cookie(
        &app,
        Method::POST,
        logout_all,
        &cookie,
        Some(&app.auth),
        None,
    )
    .await
    .assert(200, "{}");
}

async fn cookie_mode_off_changes_nothing(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user(USER, PASSWORD);
    let (answer, refresh, access) = log_in(&app).await;
    assert!(set_cookies(&answer).is_empty());
    let required = r#"{"refresh":["This field is required."]}"#;
    for path in [REFRESH, BLACKLIST] {
        post_refresh_cookie(&app, path, &refresh)
            .await
            .assert(400, required);
    }
    let refreshed = app.post_form(REFRESH, &[("refresh", &refresh)]).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    assert!(set_cookies(&refreshed).is_empty());
    let url = format!("{}/protected/", app.protected);
    let cookie = format!("{ACCESS_COOKIE}={access}");
    with_cookie(&app, Method::GET, url, &cookie, None, None)
        .await
        .assert_401(NOT_PROVIDED);
    let logout = app.post_form(BLACKLIST, &[("refresh", &refresh)]).await;
    logout.assert(200, "{}");
    assert!(set_cookies(&logout).is_empty());
}

async fn oversized_tokens_stop_start_up(ctx: Arc<Ctx>) {
    let audience: Vec<String> = (0..200)
        .map(|i| format!("https://service-{i}.example.com"))
        .collect();
    let audience = serde_json::to_string(&audience).expect("JSON");
    let base = [
        ("SECRET_KEY", TEST_SECRET_KEY),
        ("DATABASE_URL", ctx.db.url.as_str()),
    ];
    let check = |extra: Vec<(&'static str, String)>| {
        let mut env: Vec<(&str, String)> =
            base.iter().map(|(k, v)| (*k, (*v).to_owned())).collect();
        env.extend(extra);
        async move {
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            auth_service(&["check"], &env).await
        }
    };
    let (ok, _, stderr) = check(vec![
        ("TOKENPAIR__COOKIE_MODE", "true".into()),
        ("SIMPLE_JWT__AUDIENCE", audience.clone()),
    ])
    .await;
    assert!(!ok);
    assert!(
        stderr.contains(
            "TOKENPAIR.COOKIE_MODE: the largest refresh token these settings issue takes a "
        ) && stderr.contains(
            "-byte cookie, over the 4096 bytes browsers keep; shorten SIMPLE_JWT.AUDIENCE"
        ),
        "{stderr}"
    );
    // the same audience is fine with tokens in headers
    let (ok, _, stderr) = check(vec![("SIMPLE_JWT__AUDIENCE", audience)]).await;
    assert!(ok, "{stderr}");
    // the longest usernames Django allows fit (150 letters beyond U+FFFF)
    let (ok, _, stderr) = check(vec![
        ("TOKENPAIR__COOKIE_MODE", "true".into()),
        ("TOKENPAIR__COOKIE_ACCESS", "true".into()),
        ("SIMPLE_JWT__USER_ID_FIELD", "username".into()),
    ])
    .await;
    assert!(ok, "{stderr}");
    let (ok, _, stderr) = check(vec![("TOKENPAIR__COOKIE_ACCESS", "true".into())]).await;
    assert!(!ok);
    assert!(
        stderr.contains("TOKENPAIR.COOKIE_ACCESS: needs TOKENPAIR.COOKIE_MODE on"),
        "{stderr}"
    );
}
