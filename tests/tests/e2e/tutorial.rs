//! The tutorial's curl session (README, "The tutorial's flow"), step by step.

use std::sync::Arc;
use std::time::Duration;

use tests::tokens::{parts, payload_text};
use tests::{Ctx, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![
        tutorial_flow,
        tokens_match_simplejwt_format,
        lifetimes_follow_settings
    ]
}

async fn tutorial_flow(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[("SIMPLE_JWT__ACCESS_TOKEN_LIFETIME", "4")]);
    app.create_user("admin", "admin-password-1");
    let kyoko = app.create_user("kyoko", "contrasenasegura");
    assert_eq!(kyoko, 2, "the tutorial's user is id 2");

    // 1. no credentials
    app.protected(None)
        .await
        .assert_401(r#"{"detail":"Authentication credentials were not provided."}"#);

    // 2. obtain with a form body (curl -d)
    let pair = app
        .post_form(
            "/api/token/",
            &[("username", "kyoko"), ("password", "contrasenasegura")],
        )
        .await;
    assert_eq!(pair.status, 200, "{}", pair.text);
    assert_eq!(pair.header("content-type"), Some("application/json"));
    let keys: Vec<String> = pair.json().as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["refresh", "access"]);
    let (refresh, access) = (pair.field("refresh"), pair.field("access"));
    assert_eq!(parts(&refresh).1["user_id"], "2");

    // 3. the access token opens the protected view; the refresh token does not
    app.protected(Some(&format!("Bearer {access}")))
        .await
        .assert(200, r#"{"content":"This view is protected"}"#);
    app.protected(Some(&format!("Bearer {refresh}"))).await.assert_401(
        r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token has wrong type"}]}"#,
    );

    // 4. after the access lifetime
    tokio::time::sleep(Duration::from_millis(4100)).await;
    app.protected(Some(&format!("Bearer {access}"))).await.assert_401(
        r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is expired"}]}"#,
    );

    // 5. refresh with a form body
    let fresh = app
        .post_form("/api/token/refresh/", &[("refresh", &refresh)])
        .await;
    assert_eq!(fresh.status, 200, "{}", fresh.text);
    let keys: Vec<String> = fresh.json().as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["access"]);
    app.protected(Some(&format!("Bearer {}", fresh.field("access"))))
        .await
        .assert(200, r#"{"content":"This view is protected"}"#);
    assert!(payload_text(&fresh.field("access")).starts_with(r#"{"token_type":"access","#));
}

async fn tokens_match_simplejwt_format(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let id = app.create_user("kyoko", "contrasenasegura");
    let before = tests::tokens::now();
    let (refresh, access) = app.obtain("kyoko", "contrasenasegura").await;
    let after = tests::tokens::now();
    for (token, kind, lifetime) in [(&refresh, "refresh", 86400), (&access, "access", 300)] {
        let (header, payload) = parts(token);
        assert_eq!(header, r#"{"alg":"HS256","typ":"JWT"}"#);
        assert!(token.starts_with("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."));
        let keys: Vec<String> = payload.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, ["token_type", "exp", "iat", "jti", "user_id"]);
        assert_eq!(payload["token_type"], kind);
        assert_eq!(payload["user_id"], id.to_string(), "user_id is a string");
        let jti = payload["jti"].as_str().unwrap();
        assert!(
            jti.len() == 32
                && jti
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        let iat = payload["iat"].as_i64().unwrap();
        assert!(before <= iat && iat <= after);
        assert_eq!(payload["exp"].as_i64().unwrap() - iat, lifetime);
    }
    assert_eq!(
        parts(&refresh).1["iat"],
        parts(&access).1["iat"],
        "one issue instant"
    );
    assert_ne!(parts(&refresh).1["jti"], parts(&access).1["jti"]);
}

async fn lifetimes_follow_settings(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[
        ("SIMPLE_JWT__ACCESS_TOKEN_LIFETIME", "10m"),
        ("SIMPLE_JWT__REFRESH_TOKEN_LIFETIME", "172800"),
    ]);
    app.create_user("kyoko", "contrasenasegura");
    let (refresh, access) = app.obtain("kyoko", "contrasenasegura").await;
    let span = |t: &str| {
        let p = parts(t).1;
        p["exp"].as_i64().unwrap() - p["iat"].as_i64().unwrap()
    };
    assert_eq!(span(&access), 600);
    assert_eq!(span(&refresh), 172_800);
    let fresh = app
        .post_form("/api/token/refresh/", &[("refresh", &refresh)])
        .await;
    assert_eq!(span(&fresh.field("access")), 600);
}
