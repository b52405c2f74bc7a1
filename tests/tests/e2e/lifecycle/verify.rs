//! Verify: any token type, the blacklist when asked to; claim names and leeway (docs/simplejwt.md §1.3, §2.1).

use serde_json::{Value, json};
use std::sync::Arc;

use super::post;
use tests::Ctx;
use tests::bodies::{BLACKLISTED, not_valid};
use tests::tokens::{self, forge, now, parts};

pub(super) async fn verify_accepts_any_type_and_ignores_blacklist_by_default(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("kyoko", "contrasenasegura");
    let (refresh, access) = app.obtain("kyoko", "contrasenasegura").await;
    let t = now();
    let base = json!({"exp": t + 60, "jti": "j", "user_id": "999"});
    for token in [
        refresh.clone(),
        access,
        forge(&tokens::with(&base, "token_type", json!("sliding"))),
        forge(&tokens::with(&base, "token_type", json!("anything"))),
        forge(&base),
    ] {
        post(&app, "/api/token/verify/", "token", &token)
            .await
            .assert(200, "{}");
    }
    post(
        &app,
        "/api/token/verify/",
        "token",
        &forge(&tokens::with(&base, "exp", json!(t - 1))),
    )
    .await
    .assert_401(&not_valid("Token is expired"));
    post(&app, "/api/token/verify/", "token", "garbage")
        .await
        .assert_401(&not_valid("Token is invalid"));
    post(
        &app,
        "/api/token/verify/",
        "token",
        &forge(&tokens::without(&base, "jti")),
    )
    .await
    .assert_401(&not_valid("Token has no id"));
    post(
        &app,
        "/api/token/verify/",
        "token",
        &forge(&tokens::without(&base, "exp")),
    )
    .await
    .assert_401(&not_valid("Token has no 'exp' claim"));
    app.post_form("/api/token/verify/", &[])
        .await
        .assert(400, r#"{"token":["This field is required."]}"#);
    // a blacklisted refresh token still verifies: simplejwt only looks with BLACKLIST_AFTER_ROTATION
    post(&app, "/api/token/blacklist/", "refresh", &refresh)
        .await
        .assert(200, "{}");
    post(&app, "/api/token/verify/", "token", &refresh)
        .await
        .assert(200, "{}");
}

pub(super) async fn verify_consults_blacklist_after_rotation_setting(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[("SIMPLE_JWT__BLACKLIST_AFTER_ROTATION", "true")]);
    app.create_user("kyoko", "contrasenasegura");
    let (refresh, _) = app.obtain("kyoko", "contrasenasegura").await;
    post(&app, "/api/token/blacklist/", "refresh", &refresh)
        .await
        .assert(200, "{}");
    let answer = post(&app, "/api/token/verify/", "token", &refresh).await;
    answer.assert(400, r#"{"non_field_errors":["Token is blacklisted"]}"#);
    assert_eq!(answer.header("www-authenticate"), None);
}

pub(super) async fn claim_settings_rename_claims(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[
        ("SIMPLE_JWT__USER_ID_FIELD", "username"),
        ("SIMPLE_JWT__USER_ID_CLAIM", "sub"),
        ("SIMPLE_JWT__TOKEN_TYPE_CLAIM", "typ"),
        ("SIMPLE_JWT__JTI_CLAIM", "token_id"),
    ]);
    app.create_user("kyoko", "contrasenasegura");
    let (refresh, access) = app.obtain("kyoko", "contrasenasegura").await;
    let claims = parts(&refresh).1;
    let keys: Vec<String> = claims.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["typ", "exp", "iat", "token_id", "sub"]);
    assert_eq!(claims["sub"], "kyoko");
    let fresh = post(&app, "/api/token/refresh/", "refresh", &refresh).await;
    assert_eq!(fresh.status, 200, "{}", fresh.text);
    app.protected(Some(&format!("Bearer {access}")))
        .await
        .assert(200, r#"{"content":"This view is protected"}"#);
    post(&app, "/api/token/blacklist/", "refresh", &refresh)
        .await
        .assert(200, "{}");
    post(&app, "/api/token/refresh/", "refresh", &refresh)
        .await
        .assert_401(BLACKLISTED);
}

pub(super) async fn leeway_accepts_recently_expired_tokens(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[("SIMPLE_JWT__LEEWAY", "30")]);
    let id = app.create_user("kyoko", "contrasenasegura");
    let t = now();
    let payload = json!({"token_type": "refresh", "exp": t - 10, "iat": t - 100, "jti": "l1", "user_id": id.to_string()});
    assert_eq!(
        post(&app, "/api/token/refresh/", "refresh", &forge(&payload))
            .await
            .status,
        200
    );
    let stale: Value = tokens::with(&payload, "exp", json!(t - 31));
    post(&app, "/api/token/refresh/", "refresh", &forge(&stale))
        .await
        .assert_401(&not_valid("Token is expired"));
    let future_iat = tokens::with(&payload, "iat", json!(t + 20));
    let ok = tokens::with(&future_iat, "exp", json!(t + 60));
    assert_eq!(
        post(&app, "/api/token/refresh/", "refresh", &forge(&ok))
            .await
            .status,
        200,
        "iat within leeway"
    );
}
