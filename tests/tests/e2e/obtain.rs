//! `POST /api/token/`: docs/simplejwt.md §1.1, §1.2 and the obtain rows of §2.1.

use serde_json::json;
use std::sync::Arc;

use tests::bodies::NO_ACCOUNT;
use tests::{Ctx, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![
        every_failed_login_gets_the_same_401,
        field_errors_have_drf_shape,
        json_form_and_multipart_bodies_all_work,
        passwords_and_usernames_are_trimmed_and_numbers_accepted,
        django_made_hashes_log_in,
        update_last_login_is_off_by_default,
        update_last_login_when_enabled,
        view_plumbing_matches_drf,
        body_parsing_errors,
        full_hashing_queue_answers_503_at_once,
    ]
}

async fn every_failed_login_gets_the_same_401(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("alice", "pw-alice-1");
    let hash = django_hashers::make_password("pw-bob-1", &app.hasher());
    app.insert_user("bob", &hash, false);
    app.insert_user("carol", &django_hashers::make_unusable_password(), true);
    for (username, password) in [
        ("alice", "wrong"),
        ("nobody", "pw-alice-1"),
        ("bob", "pw-bob-1"),
        ("bob", "wrong"),
        ("carol", "anything"),
        ("ALICE", "pw-alice-1"),
    ] {
        let answer = app
            .post_form(
                "/api/token/",
                &[("username", username), ("password", password)],
            )
            .await;
        answer.assert_401(NO_ACCOUNT);
    }
    app.obtain("alice", "pw-alice-1").await;
}

async fn field_errors_have_drf_shape(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let cases = [
        (
            json!({}),
            r#"{"username":["This field is required."],"password":["This field is required."]}"#,
        ),
        (
            json!({"username": "a"}),
            r#"{"password":["This field is required."]}"#,
        ),
        (
            json!({"username": "a", "password": ""}),
            r#"{"password":["This field may not be blank."]}"#,
        ),
        (
            json!({"username": "   ", "password": "x"}),
            r#"{"username":["This field may not be blank."]}"#,
        ),
        (
            json!({"username": null, "password": "x"}),
            r#"{"username":["This field may not be null."]}"#,
        ),
        (
            json!({"username": ["a"], "password": {"a": 1}}),
            r#"{"username":["Not a valid string."],"password":["Not a valid string."]}"#,
        ),
        (
            json!({"username": true, "password": "x"}),
            r#"{"username":["Not a valid string."]}"#,
        ),
        (
            json!({"username": "a\u{0000}b", "password": "x"}),
            r#"{"username":["Null characters are not allowed."]}"#,
        ),
    ];
    for (body, expected) in cases {
        app.post_json("/api/token/", &body)
            .await
            .assert(400, expected);
    }
    app.post_raw(
        "/api/token/",
        Some("application/json"),
        r#"{"username":"\ud800","password":"x"}"#,
    )
    .await
    .assert(
        400,
        r#"{"username":["Surrogate characters are not allowed: U+D800."]}"#,
    );
    // no body at all: every field required
    app.post_raw("/api/token/", None, "").await.assert(
        400,
        r#"{"username":["This field is required."],"password":["This field is required."]}"#,
    );
    // the refresh view has its own field
    app.post_json("/api/token/refresh/", &json!({}))
        .await
        .assert(400, r#"{"refresh":["This field is required."]}"#);
}

async fn json_form_and_multipart_bodies_all_work(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("kyoko", "contrasenasegura");
    let json = app
        .post_json(
            "/api/token/",
            &json!({"username": "kyoko", "password": "contrasenasegura"}),
        )
        .await;
    assert_eq!(json.status, 200, "{}", json.text);
    let charset = app
        .post_raw(
            "/api/token/",
            Some("application/json; charset=utf-8"),
            r#"{"username":"kyoko","password":"wrong","password":"contrasenasegura"}"#,
        )
        .await;
    assert_eq!(
        charset.status, 200,
        "duplicate keys: last wins: {}",
        charset.text
    );
    let form = reqwest::multipart::Form::new()
        .text("username", "kyoko")
        .text("password", "contrasenasegura");
    let multipart = app
        .client
        .post(format!("{}/api/token/", app.auth))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(multipart.status(), 200);
    let form = app
        .post_raw(
            "/api/token/",
            Some("application/x-www-form-urlencoded"),
            "username=kyoko&password=contrasenasegura&extra=ignored",
        )
        .await;
    assert_eq!(form.status, 200, "{}", form.text);
}

async fn passwords_and_usernames_are_trimmed_and_numbers_accepted(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("alice", "pw-alice-1");
    app.create_user("dave", " spaced ");
    app.create_user("numbers", "12345678");
    let trimmed = app
        .post_form(
            "/api/token/",
            &[("username", " alice\t"), ("password", " pw-alice-1 ")],
        )
        .await;
    assert_eq!(trimmed.status, 200, "CharField trims: {}", trimmed.text);
    // simplejwt trims passwords too, so dave can never log in through it
    app.post_form(
        "/api/token/",
        &[("username", "dave"), ("password", " spaced ")],
    )
    .await
    .assert_401(NO_ACCOUNT);
    let number = app
        .post_json(
            "/api/token/",
            &json!({"username": "numbers", "password": 12345678}),
        )
        .await;
    assert_eq!(
        number.status, 200,
        "numbers become strings: {}",
        number.text
    );
}

async fn django_made_hashes_log_in(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    // docs/simplejwt.md §6.2 vectors, made by Django 6.1
    app.insert_user(
        "v1",
        "pbkdf2_sha256$1000$abc$ezAwPW/wuspSU83Z4aU2LP5+de/RqK3RFrreZbJFqEM=",
        true,
    );
    app.insert_user(
        "v2",
        "pbkdf2_sha1$1000$abc$l2H2oogsryV2Lw9a7h1z7xkcW8k=",
        true,
    );
    app.obtain("v1", "secret").await;
    app.obtain("v2", "secret").await;
    app.post_form("/api/token/", &[("username", "v1"), ("password", "Secret")])
        .await
        .assert_401(NO_ACCOUNT);
    // without HASH_UPGRADE the stored hash is left exactly as Django wrote it
    assert_eq!(
        app.user("v1").unwrap().password,
        "pbkdf2_sha256$1000$abc$ezAwPW/wuspSU83Z4aU2LP5+de/RqK3RFrreZbJFqEM="
    );
}

async fn update_last_login_is_off_by_default(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("kyoko", "contrasenasegura");
    app.obtain("kyoko", "contrasenasegura").await;
    assert_eq!(app.user("kyoko").unwrap().last_login, None);
}

async fn update_last_login_when_enabled(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[("SIMPLE_JWT__UPDATE_LAST_LOGIN", "true")]);
    app.create_user("kyoko", "contrasenasegura");
    let before = chrono::Utc::now().naive_utc();
    let (refresh, _) = app.obtain("kyoko", "contrasenasegura").await;
    let first = app
        .user("kyoko")
        .unwrap()
        .last_login
        .expect("last_login set");
    assert!(first >= before - chrono::Duration::seconds(1));
    // refresh never touches it
    app.post_form("/api/token/refresh/", &[("refresh", &refresh)])
        .await;
    assert_eq!(app.user("kyoko").unwrap().last_login, Some(first));
}

async fn view_plumbing_matches_drf(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("kyoko", "contrasenasegura");
    let get = app.get(&format!("{}/api/token/", app.auth)).await;
    get.assert(405, r#"{"detail":"Method \"GET\" not allowed."}"#);
    assert_eq!(get.header("allow"), Some("POST, OPTIONS"));
    assert_eq!(get.header("vary"), Some("Accept"));
    assert_eq!(get.header("www-authenticate"), None);
    let put = tests::Answer::read(
        app.client
            .put(format!("{}/api/token/refresh/", app.auth))
            .send()
            .await
            .unwrap(),
    )
    .await;
    put.assert(405, r#"{"detail":"Method \"PUT\" not allowed."}"#);
    let head = tests::Answer::read(
        app.client
            .head(format!("{}/api/token/", app.auth))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((head.status, head.text.as_str()), (405, ""));

    let options = tests::Answer::read(
        app.client
            .request(reqwest::Method::OPTIONS, format!("{}/api/token/", app.auth))
            .send()
            .await
            .unwrap(),
    )
    .await;
    options.assert(200, r#"{"name":"Token Obtain Pair","description":"Takes a set of user credentials and returns an access and refresh JSON web\ntoken pair to prove the authentication of those credentials.","renders":["application/json","text/html"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"],"actions":{"POST":{"username":{"type":"string","required":true,"read_only":false,"label":"Username"},"password":{"type":"string","required":true,"read_only":false,"label":"Password"}}}}"#);
    let options = tests::Answer::read(
        app.client
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/api/token/refresh/", app.auth),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        options.json()["actions"]["POST"]["access"]["read_only"],
        true
    );

    // an Authorization header, even garbage, is ignored by the token views
    let login = app
        .client
        .post(format!("{}/api/token/", app.auth))
        .header("Authorization", "Bearer garbage")
        .form(&[("username", "kyoko"), ("password", "contrasenasegura")])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    assert_eq!(login.headers()["allow"], "POST, OPTIONS");

    // unsatisfiable Accept
    let xml = app
        .client
        .post(format!("{}/api/token/", app.auth))
        .header("Accept", "application/xml")
        .form(&[("username", "kyoko"), ("password", "contrasenasegura")])
        .send()
        .await
        .unwrap();
    tests::Answer::read(xml).await.assert(
        406,
        r#"{"detail":"Could not satisfy the request Accept header."}"#,
    );

    // Django's APPEND_SLASH
    let bare = app.post_form("/api/token", &[]).await;
    assert_eq!(bare.status, 301);
    assert_eq!(bare.header("location"), Some("/api/token/"));
    let health = app.get(&format!("{}/healthz", app.auth)).await;
    health.assert(200, r#"{"status":"ok"}"#);
}

async fn body_parsing_errors(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.post_raw("/api/token/", Some("text/plain"), "username=a")
        .await
        .assert(
            415,
            r#"{"detail":"Unsupported media type \"text/plain\" in request."}"#,
        );
    app.post_raw(
        "/api/token/refresh/",
        Some("application/vnd.api+json"),
        "{}",
    )
    .await
    .assert(
        415,
        r#"{"detail":"Unsupported media type \"application/vnd.api+json\" in request."}"#,
    );
    let broken = app
        .post_raw(
            "/api/token/",
            Some("application/json"),
            r#"{"username": "a", }"#,
        )
        .await;
    assert_eq!(broken.status, 400);
    assert!(
        broken.json()["detail"]
            .as_str()
            .unwrap()
            .starts_with("JSON parse error - "),
        "{}",
        broken.text
    );
    app.post_raw("/api/token/", Some("application/json"), "null")
        .await
        .assert(400, r#"{"non_field_errors":["No data provided"]}"#);
    app.post_raw("/api/token/", Some("application/json"), "[1]")
        .await
        .assert(
            400,
            r#"{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}"#,
        );
    app.post_raw("/api/token/", Some("application/json"), "\"s\"")
        .await
        .assert(
            400,
            r#"{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}"#,
        );
    let big = format!("username=a&password={}", "x".repeat(1 << 20));
    let answer = app
        .post_raw(
            "/api/token/",
            Some("application/x-www-form-urlencoded"),
            big,
        )
        .await;
    assert_eq!(answer.status, 413, "{}", answer.text);
    assert!(answer.json()["detail"].is_string());
}

async fn full_hashing_queue_answers_503_at_once(ctx: Arc<Ctx>) {
    // one hashing thread, no queue: while one login hashes, others are refused
    let app = ctx.spawn(&[
        ("TOKENPAIR__HASH_THREADS", "1"),
        ("TOKENPAIR__HASH_QUEUE", "0"),
        ("TOKENPAIR__WORKERS", "2"),
    ]);
    // a costly stored hash keeps the only hashing thread busy for a while
    let slow = django_hashers::pbkdf2::encode(
        "contrasenasegura",
        "abcdefghijklmnopqrstuv",
        3_000_000,
        django_hashers::pbkdf2::Digest::Sha256,
    );
    app.insert_user("kyoko", &slow, true);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let url = format!("{}/api/token/", app.auth);
        tasks.spawn(async move {
            let response = tests::app::client()
                .post(url)
                .form(&[("username", "kyoko"), ("password", "contrasenasegura")])
                .send()
                .await
                .unwrap();
            tests::Answer::read(response).await
        });
    }
    let mut answers = Vec::new();
    while let Some(answer) = tasks.join_next().await {
        answers.push(answer.unwrap());
    }
    let ok = answers.iter().filter(|a| a.status == 200).count();
    let busy: Vec<_> = answers.iter().filter(|a| a.status == 503).collect();
    assert!(
        ok >= 1 && !busy.is_empty() && ok + busy.len() == 6,
        "{answers:?}"
    );
    for answer in busy {
        answer.assert(
            503,
            r#"{"detail":"Service temporarily unavailable, try again later."}"#,
        );
        assert_eq!(answer.header("retry-after"), Some("1"));
    }
}
