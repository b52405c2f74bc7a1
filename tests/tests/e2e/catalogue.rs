//! Snapshots (insta, under `snapshots/`) of what clients read that no test spells out
//! whole: both services' OpenAPI documents with the default settings, and a catalogue of
//! error answers (status, the headers clients act on, body), one request per kind. A
//! change to any of them shows as a snapshot diff to review (`cargo insta review`, or
//! `INSTA_UPDATE=always` then `git diff`).

use serde_json::json;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use tests::bodies::{BLACKLIST, OBTAIN, REFRESH};
use tests::tokens::{forge, now};
use tests::{Answer, Ctx, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![openapi_documents, error_answers]
}

async fn openapi_documents(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    for (service, base) in [
        ("auth_service_openapi", &app.auth),
        ("protected_service_openapi", &app.protected),
    ] {
        let answer = app.get(&format!("{base}/api/schema/")).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        // pretty-printed for readable diffs; key order is the document's own
        let pretty = serde_json::to_string_pretty(&answer.json()).expect("JSON");
        insta::assert_snapshot!(service, pretty);
    }
}

/// The headers an error answer is read by.
const SHOWN_HEADERS: [&str; 5] = [
    "content-type",
    "www-authenticate",
    "allow",
    "retry-after",
    "vary",
];

/// One catalogue entry: the request, then what came back.
fn entry(catalogue: &mut String, request: &str, answer: &Answer) {
    let _ = writeln!(catalogue, "## {request}\n{}", answer.status);
    for name in SHOWN_HEADERS {
        if let Some(value) = answer.header(name) {
            let _ = writeln!(catalogue, "{name}: {value}");
        }
    }
    let _ = writeln!(catalogue, "{}\n", answer.text);
}

async fn error_answers(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[
        ("TOKENPAIR__LOGIN_THROTTLE_USER", "1/min"),
        ("TOKENPAIR__CLIENT_BODY_TIMEOUT", "1"),
    ]);
    app.create_user("kyoko", "contrasenasegura");
    let mut catalogue = String::new();
    let c = &mut catalogue;

    // 400: field errors, as DRF's serializer reports them
    let answer = app.post_form(OBTAIN, &[]).await;
    entry(c, "POST /api/token/ (no fields)", &answer);
    let answer = app
        .post_json(OBTAIN, &json!({"username": 1, "password": ["x"]}))
        .await;
    entry(c, "POST /api/token/ (wrong JSON types)", &answer);
    let answer = app.post_form(REFRESH, &[]).await;
    entry(c, "POST /api/token/refresh/ (no refresh)", &answer);

    // 401, each kind
    let (refresh, access) = app.obtain("kyoko", "contrasenasegura").await;
    let answer = app.protected(None).await;
    entry(c, "GET /protected/ (no Authorization)", &answer);
    let answer = app.protected(Some("Bearer")).await;
    entry(c, "GET /protected/ (Authorization: Bearer)", &answer);
    let answer = app.protected(Some("Bearer not.a.token")).await;
    entry(c, "GET /protected/ (a token that does not decode)", &answer);
    let answer = app.protected(Some(&format!("Bearer {refresh}"))).await;
    entry(c, "GET /protected/ (a refresh token)", &answer);
    let t = now();
    let expired = forge(
        &json!({"token_type": "access", "exp": t - 60, "iat": t - 120,
        "jti": "0123456789abcdef0123456789abcdef", "user_id": "1"}),
    );
    let answer = app.protected(Some(&format!("Bearer {expired}"))).await;
    entry(c, "GET /protected/ (an expired access token)", &answer);
    let answer = app
        .post_form(OBTAIN, &[("username", "nobody"), ("password", "x")])
        .await;
    entry(c, "POST /api/token/ (no such user)", &answer);
    let answer = app.post_form(REFRESH, &[("refresh", "garbage")]).await;
    entry(c, "POST /api/token/refresh/ (garbage)", &answer);
    let answer = app.post_form(REFRESH, &[("refresh", &access)]).await;
    entry(c, "POST /api/token/refresh/ (an access token)", &answer);
    app.post_form(BLACKLIST, &[("refresh", &refresh)])
        .await
        .assert(200, "{}");
    let answer = app.post_form(REFRESH, &[("refresh", &refresh)]).await;
    entry(c, "POST /api/token/refresh/ (blacklisted)", &answer);

    // 404, 405, 406, 415, 413
    let answer = app.get(&format!("{}/nowhere/", app.auth)).await;
    entry(c, "GET /nowhere/ (auth-service)", &answer);
    let answer = app.get(&format!("{}{OBTAIN}", app.auth)).await;
    entry(c, "GET /api/token/", &answer);
    let answer = Answer::read(
        app.client
            .post(format!("{}{OBTAIN}", app.auth))
            .header("Accept", "application/xml")
            .form(&[("username", "kyoko"), ("password", "contrasenasegura")])
            .send()
            .await
            .expect("POST"),
    )
    .await;
    entry(c, "POST /api/token/ (Accept: application/xml)", &answer);
    let answer = app.post_raw(OBTAIN, Some("text/plain"), "username=a").await;
    entry(c, "POST /api/token/ (Content-Type: text/plain)", &answer);
    let big = format!("username=a&password={}", "x".repeat(1 << 20));
    let answer = app
        .post_raw(OBTAIN, Some("application/x-www-form-urlencoded"), big)
        .await;
    entry(c, "POST /api/token/ (a 1 MiB form)", &answer);

    // 429: the wait in seconds depends on the clock; its range is throttle.rs's concern
    let wrong = [("username", "kyoko"), ("password", "wrong")];
    app.post_form(OBTAIN, &wrong)
        .await
        .assert_401(tests::bodies::NO_ACCOUNT);
    let mut answer = app.post_form(OBTAIN, &wrong).await;
    assert_eq!(answer.status, 429, "{}", answer.text);
    let wait = answer.header("retry-after").unwrap_or_default().to_owned();
    answer.text = answer.text.replace(&format!(" {wait} "), " N ");
    answer
        .headers
        .insert("retry-after", "N".parse().expect("header value"));
    entry(
        c,
        "POST /api/token/ (2nd failure, LOGIN_THROTTLE_USER=1/min)",
        &answer,
    );

    // 431: a header field over DRF's 8190-byte line
    let answer = Answer::read(
        app.client
            .get(format!("{}/protected/", app.protected))
            .header("x-long", "x".repeat(9000))
            .send()
            .await
            .expect("GET"),
    )
    .await;
    entry(c, "GET /protected/ (a 9000-byte header field)", &answer);

    // 408: a body that stops coming (CLIENT_BODY_TIMEOUT=1)
    let raw = tests::app::stalled_body(&app.auth, OBTAIN, Duration::from_secs(10)).await;
    let (head, body) = raw.split_once("\r\n\r\n").expect("a head");
    let mut shown: Vec<&str> = head
        .lines()
        .filter(|line| {
            let name = line
                .split(':')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            line.starts_with("HTTP/") || SHOWN_HEADERS.contains(&name.as_str())
        })
        .collect();
    // the status line first, then the fields by name: actix writes them in hash order
    shown.sort_by_key(|line| (!line.starts_with("HTTP/"), line.to_ascii_lowercase()));
    let _ = writeln!(
        c,
        "## POST /api/token/ (10 of 100 bytes, then nothing)\n{}\n{body}\n",
        shown.join("\n")
    );

    insta::assert_snapshot!("error_answers", catalogue);
}
