//! `POST /api/token/refresh/`: docs/simplejwt.md §1.3 and the refresh rows of §2.1 that need
//! no blacklist.

use jsonwebtoken::Algorithm;
use serde_json::{Value, json};
use std::sync::Arc;

use tests::app::TEST_SECRET_KEY;
use tests::bodies::INVALID;
use tests::tokens::{self, forge, forge_with, now, parts};
use tests::{Ctx, TestApp, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![
        refresh_mints_an_access_token_with_the_refresh_claims,
        invalid_tokens_get_simplejwt_messages,
        audience_and_issuer_when_configured,
        inactive_deleted_and_unparsable_users_get_401,
        revoked_password_is_refused,
        rotation_returns_a_new_refresh_token,
    ]
}

fn token_not_valid(message: &str) -> String {
    json!({"detail": message, "code": "token_not_valid"}).to_string()
}

async fn refresh_with(app: &TestApp, token: &str) -> tests::Answer {
    app.post_form("/api/token/refresh/", &[("refresh", token)])
        .await
}

fn refresh_payload(user_id: Value) -> Value {
    let now = now();
    json!({"token_type": "refresh", "exp": now + 3600, "iat": now, "jti": "0123456789abcdef0123456789abcdef", "user_id": user_id})
}

async fn refresh_mints_an_access_token_with_the_refresh_claims(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let id = app.create_user("kyoko", "contrasenasegura");
    let mut payload = refresh_payload(json!(id.to_string()));
    payload["custom"] = json!("Zoë");
    let answer = refresh_with(&app, &forge(&payload)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let access = answer.field("access");
    let (_, claims) = parts(&access);
    let keys: Vec<String> = claims.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        ["token_type", "exp", "iat", "jti", "user_id", "custom"]
    );
    assert_eq!(claims["custom"], "Zoë");
    assert!(tests::tokens::payload_text(&access).contains(r#""custom":"Zo\u00eb""#));
    assert_ne!(claims["jti"], payload["jti"]);
    // an integer user_id from simplejwt < 5.5.1 is still accepted
    let legacy = refresh_with(&app, &forge(&refresh_payload(json!(id)))).await;
    assert_eq!(legacy.status, 200, "{}", legacy.text);
    // a token without a user claim is refreshed without a user check
    let mut anonymous = refresh_payload(json!(null));
    anonymous.as_object_mut().unwrap().remove("user_id");
    assert_eq!(refresh_with(&app, &forge(&anonymous)).await.status, 200);
}

async fn invalid_tokens_get_simplejwt_messages(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let id = app.create_user("kyoko", "contrasenasegura");
    let (refresh, access) = app.obtain("kyoko", "contrasenasegura").await;
    let good = refresh_payload(json!(id.to_string()));
    let header = r#"{"alg":"HS256","typ":"JWT"}"#;
    let without = |claim: &str| forge(&tokens::without(&good, claim));
    let with = |claim: &str, value: Value| forge(&tokens::with(&good, claim, value));
    let mut tampered = refresh.clone();
    tampered.push('A');
    let cases: Vec<(String, String)> = vec![
        ("garbage".into(), INVALID.into()),
        ("a.b.c".into(), INVALID.into()),
        (tampered, INVALID.into()),
        (
            forge_with(header, &good.to_string(), "another-key", Algorithm::HS256),
            INVALID.into(),
        ),
        (
            forge_with(
                r#"{"alg":"HS512","typ":"JWT"}"#,
                &good.to_string(),
                TEST_SECRET_KEY,
                Algorithm::HS512,
            ),
            INVALID.into(),
        ),
        (
            format!(
                "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.",
                refresh.split('.').nth(1).unwrap()
            ),
            INVALID.into(),
        ),
        (with("iat", json!(now() + 3600)), INVALID.into()),
        (with("nbf", json!(now() + 3600)), INVALID.into()),
        (with("jti", json!(42)), INVALID.into()),
        (with("sub", json!(42)), INVALID.into()),
        (with("exp", json!("soon")), INVALID.into()),
        (
            with("exp", json!(now() - 1)),
            token_not_valid("Token is expired"),
        ),
        (
            with("exp", json!(now())),
            token_not_valid("Token is expired"),
        ),
        (access.clone(), token_not_valid("Token has wrong type")),
        (without("token_type"), token_not_valid("Token has no type")),
        (without("exp"), token_not_valid("Token has no 'exp' claim")),
        (without("jti"), token_not_valid("Token has no id")),
    ];
    for (token, expected) in cases {
        let answer = refresh_with(&app, &token).await;
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
    // the token is trimmed like every CharField
    assert_eq!(
        refresh_with(&app, &format!("  {refresh}\n")).await.status,
        200
    );
}

async fn audience_and_issuer_when_configured(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[
        ("SIMPLE_JWT__AUDIENCE", "svc"),
        ("SIMPLE_JWT__ISSUER", "tokenpair"),
    ]);
    let id = app.create_user("kyoko", "contrasenasegura");
    let (refresh, access) = app.obtain("kyoko", "contrasenasegura").await;
    let (_, claims) = parts(&access);
    assert_eq!(
        (claims["aud"].as_str(), claims["iss"].as_str()),
        (Some("svc"), Some("tokenpair"))
    );
    assert_eq!(refresh_with(&app, &refresh).await.status, 200);
    app.protected(Some(&format!("Bearer {access}")))
        .await
        .assert(200, r#"{"content":"This view is protected"}"#);
    let mut p = refresh_payload(json!(id.to_string()));
    refresh_with(&app, &forge(&p)).await.assert_401(INVALID);
    p["aud"] = json!("other");
    p["iss"] = json!("tokenpair");
    refresh_with(&app, &forge(&p)).await.assert_401(INVALID);
    p["aud"] = json!(["other", "svc"]);
    assert_eq!(refresh_with(&app, &forge(&p)).await.status, 200);
    p["iss"] = json!("someone-else");
    refresh_with(&app, &forge(&p)).await.assert_401(INVALID);
}

async fn inactive_deleted_and_unparsable_users_get_401(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let hash = django_hashers::make_password("pw", &app.hasher());
    let inactive = app.insert_user("bob", &hash, false);
    let no_account = r#"{"detail":"No active account found for the given token."}"#;
    refresh_with(&app, &forge(&refresh_payload(json!(inactive.to_string()))))
        .await
        .assert_401(no_account);
    refresh_with(&app, &forge(&refresh_payload(json!("999999"))))
        .await
        .assert_401(no_account);
    refresh_with(&app, &forge(&refresh_payload(json!("abc"))))
        .await
        .assert_401(INVALID);
    refresh_with(&app, &forge(&refresh_payload(json!([1]))))
        .await
        .assert_401(INVALID);

    // CHECK_USER_IS_ACTIVE off: inactive users may refresh
    let lenient = ctx.spawn(&[("SIMPLE_JWT__CHECK_USER_IS_ACTIVE", "false")]);
    let answer = refresh_with(
        &lenient,
        &forge(&refresh_payload(json!(inactive.to_string()))),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

async fn revoked_password_is_refused(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[("SIMPLE_JWT__CHECK_REVOKE_TOKEN", "true")]);
    let id = app.create_user("kyoko", "contrasenasegura");
    let (refresh, _) = app.obtain("kyoko", "contrasenasegura").await;
    let (_, claims) = parts(&refresh);
    let md5 = claims["hash_password"]
        .as_str()
        .expect("hash_password claim");
    assert!(
        md5.len() == 32
            && md5
                .chars()
                .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
    );
    assert_eq!(refresh_with(&app, &refresh).await.status, 200);
    let new_hash = django_hashers::make_password("new-password-1", &app.hasher());
    app.set_password(id, &new_hash);
    refresh_with(&app, &refresh)
        .await
        .assert_401(r#"{"detail":"The user's password has been changed."}"#);
}

async fn rotation_returns_a_new_refresh_token(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[("SIMPLE_JWT__ROTATE_REFRESH_TOKENS", "true")]);
    app.create_user("kyoko", "contrasenasegura");
    let (refresh, _) = app.obtain("kyoko", "contrasenasegura").await;
    let answer = refresh_with(&app, &refresh).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let keys: Vec<String> = answer.json().as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["access", "refresh"]);
    let (old, new) = (parts(&refresh).1, parts(&answer.field("refresh")).1);
    assert_ne!(old["jti"], new["jti"]);
    assert_eq!(old["user_id"], new["user_id"]);
    let keys: Vec<String> = new.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["token_type", "exp", "iat", "jti", "user_id"]);
}
