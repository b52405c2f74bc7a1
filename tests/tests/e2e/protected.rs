//! `GET /protected/` on protected-service: docs/simplejwt.md §2.2 and §5, stateless (§5.5).

use jsonwebtoken::Algorithm;
use serde_json::{Value, json};
use std::sync::Arc;

use tests::app::{TEST_SECRET_KEY, client};
use tests::bodies::{NOT_PROVIDED, PROTECTED};
use tests::tokens::{self, forge, forge_with, now};
use tests::{Answer, Ctx, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![
        header_rules,
        token_rules,
        header_types_and_name_are_settings,
        several_token_classes_report_each,
        drf_view_order_and_methods,
        starts_without_a_database,
    ]
}

const BAD_HEADER: &str = r#"{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}"#;

fn not_valid(message: &str) -> String {
    json!({"detail": "Given token not valid for any token type", "code": "token_not_valid",
        "messages": [{"token_class": "AccessToken", "token_type": "access", "message": message}]})
    .to_string()
}

fn access_payload() -> Value {
    let now = now();
    json!({"token_type": "access", "exp": now + 300, "iat": now, "jti": "0123456789abcdef0123456789abcdef", "user_id": "1"})
}

async fn header_rules(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let token = forge(&access_payload());
    app.protected(None).await.assert_401(NOT_PROVIDED);
    for header in [
        "",
        "   ",
        &format!("bearer {token}"),
        &format!("JWT {token}"),
        "Basic dXNlcjpwYXNz",
        &token,
    ] {
        app.protected(Some(header)).await.assert_401(NOT_PROVIDED);
    }
    for header in ["Bearer", "Bearer ", &format!("Bearer {token} extra")] {
        app.protected(Some(header)).await.assert_401(BAD_HEADER);
    }
    for header in [
        format!("Bearer  {token}"),
        format!("Bearer\t{token}"),
        format!("Bearer {token} "),
    ] {
        app.protected(Some(&header)).await.assert(200, PROTECTED);
    }
}

async fn token_rules(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let good = access_payload();
    let bearer = |t: String| format!("Bearer {t}");
    let without = |claim: &str| forge(&tokens::without(&good, claim));
    let with = |claim: &str, value: Value| forge(&tokens::with(&good, claim, value));
    app.protected(Some(&bearer(forge(&good))))
        .await
        .assert(200, PROTECTED);
    let cases = vec![
        ("garbage".to_owned(), not_valid("Token is invalid")),
        (forge_with(r#"{"alg":"HS256","typ":"JWT"}"#, &good.to_string(), "other-key", Algorithm::HS256), not_valid("Token is invalid")),
        (forge_with(r#"{"alg":"HS384","typ":"JWT"}"#, &good.to_string(), TEST_SECRET_KEY, Algorithm::HS384), not_valid("Token is invalid")),
        (with("token_type", json!("refresh")), not_valid("Token has wrong type")),
        (with("token_type", json!("sliding")), not_valid("Token has wrong type")),
        (with("exp", json!(now() - 10)), not_valid("Token is expired")),
        (with("exp", json!(now())), not_valid("Token is expired")),
        (without("exp"), not_valid("Token has no 'exp' claim")),
        (without("jti"), not_valid("Token has no id")),
        (without("token_type"), not_valid("Token has no type")),
        (without("user_id"), r#"{"detail":"Token contained no recognizable user identification","code":"token_not_valid"}"#.to_owned()),
    ];
    for (token, expected) in cases {
        let answer = app.protected(Some(&bearer(token.clone()))).await;
        assert_eq!(
            (answer.status, answer.text.as_str()),
            (401, expected.as_str()),
            "token {token}"
        );
        assert_eq!(
            answer.header("www-authenticate"),
            Some("Bearer realm=\"api\"")
        );
    }
    // stateless: a user id that exists nowhere is still accepted (docs/simplejwt.md §5.5)
    app.protected(Some(&bearer(with("user_id", json!("424242")))))
        .await
        .assert(200, PROTECTED);
}

async fn header_types_and_name_are_settings(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[
        ("SIMPLE_JWT__AUTH_HEADER_TYPES", "JWT,Bearer"),
        ("SIMPLE_JWT__AUTH_HEADER_NAME", "HTTP_X_AUTH"),
    ]);
    let token = forge(&access_payload());
    // the Authorization header is no longer read at all
    let answer = app.protected(Some(&format!("Bearer {token}"))).await;
    answer.assert(401, NOT_PROVIDED);
    assert_eq!(answer.header("www-authenticate"), Some("JWT realm=\"api\""));
    for scheme in ["JWT", "Bearer"] {
        let response = app
            .client
            .get(format!("{}/protected/", app.protected))
            .header("X-Auth", format!("{scheme} {token}"))
            .send()
            .await
            .unwrap();
        Answer::read(response).await.assert(200, PROTECTED);
    }
}

async fn several_token_classes_report_each(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[(
        "SIMPLE_JWT__AUTH_TOKEN_CLASSES",
        "rest_framework_simplejwt.tokens.AccessToken,SlidingToken",
    )]);
    let mut refresh = access_payload();
    refresh["token_type"] = json!("refresh");
    app.protected(Some(&format!("Bearer {}", forge(&refresh)))).await.assert_401(
        r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token has wrong type"},{"token_class":"SlidingToken","token_type":"sliding","message":"Token has wrong type"}]}"#,
    );
    let mut sliding = access_payload();
    sliding["token_type"] = json!("sliding");
    app.protected(Some(&format!("Bearer {}", forge(&sliding))))
        .await
        .assert(200, PROTECTED);
}

async fn drf_view_order_and_methods(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let url = format!("{}/protected/", app.protected);
    let auth = format!("Bearer {}", forge(&access_payload()));
    // DRF authenticates before it checks the method
    let post = Answer::read(app.client.post(&url).send().await.unwrap()).await;
    post.assert_401(NOT_PROVIDED);
    assert_eq!(post.header("allow"), Some("GET, HEAD, OPTIONS"));
    let post = Answer::read(
        app.client
            .post(&url)
            .header("Authorization", &auth)
            .send()
            .await
            .unwrap(),
    )
    .await;
    post.assert(405, r#"{"detail":"Method \"POST\" not allowed."}"#);
    let head = Answer::read(
        app.client
            .head(&url)
            .header("Authorization", &auth)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(head.status, 200);
    let options = Answer::read(
        app.client
            .request(reqwest::Method::OPTIONS, &url)
            .header("Authorization", &auth)
            .send()
            .await
            .unwrap(),
    )
    .await;
    options.assert(200, r#"{"name":"Protected","description":"","renders":["application/json","text/html"],"parses":["application/json","application/x-www-form-urlencoded","multipart/form-data"]}"#);
    // negotiation comes first of all
    let xml = Answer::read(
        app.client
            .get(&url)
            .header("Accept", "application/xml")
            .send()
            .await
            .unwrap(),
    )
    .await;
    xml.assert(
        406,
        r#"{"detail":"Could not satisfy the request Accept header."}"#,
    );
    let ok = Answer::read(
        app.client
            .get(&url)
            .header("Accept", "text/html")
            .header("Authorization", &auth)
            .send()
            .await
            .unwrap(),
    )
    .await;
    ok.assert(200, PROTECTED);
    assert_eq!(ok.header("vary"), Some("Accept"));
    let health = app.get(&format!("{}/healthz", app.protected)).await;
    health.assert(200, r#"{"status":"ok"}"#);
}

async fn starts_without_a_database(ctx: Arc<Ctx>) {
    let settings = auth_service::AuthSettings::from_sources(
        None,
        [("SECRET_KEY".to_owned(), TEST_SECRET_KEY.to_owned())],
    )
    .expect("settings");
    assert!(settings.database.url.is_none());
    let url = ctx.spawn_protected(settings);
    let response = client()
        .get(format!("{url}/protected/"))
        .header(
            "Authorization",
            format!("Bearer {}", forge(&access_payload())),
        )
        .send()
        .await
        .unwrap();
    Answer::read(response).await.assert(200, PROTECTED);
}
