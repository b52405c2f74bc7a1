//! Sliding tokens: issue, refresh, errors (docs/simplejwt.md §1.6).

use diesel::RunQueryDsl;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

use super::{count, post};
use tests::bodies::{BLACKLISTED, not_valid};
use tests::tokens::{self, forge, now, parts};
use tests::{Answer, Ctx};

pub(super) async fn sliding_tokens(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[("SIMPLE_JWT__AUTH_TOKEN_CLASSES", "SlidingToken")]);
    app.create_user("kyoko", "contrasenasegura");
    let answer = app
        .post_form(
            "/api/token/sliding/",
            &[("username", "kyoko"), ("password", "contrasenasegura")],
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let keys: Vec<String> = answer.json().as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["token"]);
    let token = answer.field("token");
    let claims = parts(&token).1;
    let keys: Vec<String> = claims.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        ["token_type", "exp", "iat", "jti", "refresh_exp", "user_id"]
    );
    assert_eq!(claims["token_type"], "sliding");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        300
    );
    assert_eq!(
        claims["refresh_exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        86400
    );
    assert_eq!(count(&app, "token_blacklist_outstandingtoken"), 1);
    app.protected(Some(&format!("Bearer {token}")))
        .await
        .assert(200, r#"{"content":"This view is protected"}"#);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let refreshed = post(&app, "/api/token/sliding/refresh/", "token", &token).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    let again = parts(&refreshed.field("token")).1;
    assert_eq!(
        (&again["jti"], &again["refresh_exp"], &again["user_id"]),
        (&claims["jti"], &claims["refresh_exp"], &claims["user_id"])
    );
    assert!(again["exp"].as_i64() > claims["exp"].as_i64());

    // blacklisted: refused here; protected-service cannot see the blacklist (documented)
    post(&app, "/api/token/blacklist/", "refresh", &token)
        .await
        .assert_401(&not_valid("Token has wrong type"));
    let jti = claims["jti"].as_str().unwrap();
    // blacklisted as the blacklist does it (a sliding token cannot go through its view)
    diesel::sql_query(
        "INSERT INTO token_blacklist_blacklistedtoken (blacklisted_at, token_id) \
         SELECT $1, id FROM token_blacklist_outstandingtoken WHERE jti = $2",
    )
    .bind::<diesel::sql_types::Timestamp, _>(chrono::Utc::now().naive_utc())
    .bind::<diesel::sql_types::Text, _>(jti)
    .execute(&mut app.db.connect())
    .expect("blacklist the sliding token");
    post(&app, "/api/token/sliding/refresh/", "token", &token)
        .await
        .assert_401(BLACKLISTED);
    app.protected(Some(&format!("Bearer {token}")))
        .await
        .assert(200, r#"{"content":"This view is protected"}"#);
    // logout-all authenticates sliding tokens against the blacklist
    let logout = app
        .client
        .post(format!("{}/api/token/logout-all/", app.auth))
        .header("Authorization", format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    Answer::read(logout).await.assert_401(
        r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"SlidingToken","token_type":"sliding","message":"Token is blacklisted"}]}"#,
    );
}

pub(super) async fn sliding_refresh_errors(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let id = app.create_user("kyoko", "contrasenasegura");
    let hash = django_hashers::make_password("pw", &app.hasher());
    let inactive = app.insert_user("bob", &hash, false);
    let t = now();
    let good = json!({"token_type": "sliding", "exp": t + 300, "iat": t, "jti": "s1", "refresh_exp": t + 3600, "user_id": id.to_string()});
    let path = "/api/token/sliding/refresh/";
    assert_eq!(post(&app, path, "token", &forge(&good)).await.status, 200);
    let cases = [
        (
            tokens::with(&good, "exp", json!(t - 1)),
            not_valid("Token is expired"),
        ),
        (
            tokens::with(&good, "refresh_exp", json!(t - 1)),
            not_valid("Token 'refresh_exp' claim has expired"),
        ),
        (
            tokens::without(&good, "refresh_exp"),
            not_valid("Token has no 'refresh_exp' claim"),
        ),
        (
            tokens::with(&good, "token_type", json!("refresh")),
            not_valid("Token has wrong type"),
        ),
        (
            tokens::with(&good, "user_id", json!(inactive.to_string())),
            r#"{"detail":"No active account found for the given token."}"#.to_owned(),
        ),
    ];
    for (payload, expected) in cases {
        post(&app, path, "token", &forge(&payload))
            .await
            .assert_401(&expected);
    }
    app.post_form(path, &[])
        .await
        .assert(400, r#"{"token":["This field is required."]}"#);
}
