//! What the user does to their tokens: a changed password, a deleted account, logout-all.

use serde_json::json;
use std::sync::Arc;

use reqwest::Method;

use super::{execute, post};
use tests::Ctx;
use tests::bodies::{BLACKLISTED, NOT_PROVIDED};
use tests::tokens::{forge, now};

pub(super) async fn revoked_password_blacklists_on_refresh(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[("SIMPLE_JWT__CHECK_REVOKE_TOKEN", "true")]);
    let id = app.create_user("kyoko", "contrasenasegura");
    let (refresh, _) = app.obtain("kyoko", "contrasenasegura").await;
    let new_hash = django_hashers::make_password("another-password", &app.hasher());
    app.set_password(id, &new_hash);
    post(&app, "/api/token/refresh/", "refresh", &refresh)
        .await
        .assert_401(r#"{"detail":"The user's password has been changed."}"#);
    post(&app, "/api/token/refresh/", "refresh", &refresh)
        .await
        .assert_401(BLACKLISTED);
    // a token without the claim is as revoked as one with a stale claim
    let t = now();
    let bare = forge(
        &json!({"token_type": "refresh", "exp": t + 60, "iat": t, "jti": "x1", "user_id": id.to_string()}),
    );
    post(&app, "/api/token/refresh/", "refresh", &bare)
        .await
        .assert_401(r#"{"detail":"The user's password has been changed."}"#);
}

pub(super) async fn deleted_user_cannot_refresh(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let id = app.create_user("kyoko", "contrasenasegura");
    let (refresh, _) = app.obtain("kyoko", "contrasenasegura").await;
    // Django nulls the outstanding rows' user (SET NULL in application code), then deletes
    execute(
        &app,
        &format!("UPDATE token_blacklist_outstandingtoken SET user_id = NULL WHERE user_id = {id}"),
    );
    execute(&app, &format!("DELETE FROM auth_user WHERE id = {id}"));
    post(&app, "/api/token/refresh/", "refresh", &refresh)
        .await
        .assert_401(r#"{"detail":"No active account found for the given token."}"#);
    // verify never looks the user up
    post(&app, "/api/token/verify/", "token", &refresh)
        .await
        .assert(200, "{}");
}

pub(super) async fn logout_all_revokes_every_refresh_token(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("kyoko", "contrasenasegura");
    app.create_user("alice", "pw-alice-1");
    let (r1, _) = app.obtain("kyoko", "contrasenasegura").await;
    let (r2, access) = app.obtain("kyoko", "contrasenasegura").await;
    let (alice, _) = app.obtain("alice", "pw-alice-1").await;
    let url = format!("{}/api/token/logout-all/", app.auth);
    for method in [Method::POST, Method::GET] {
        app.bearer(method, &url, None)
            .await
            .assert_401(NOT_PROVIDED);
    }
    app.bearer(Method::GET, &url, Some(&access))
        .await
        .assert(405, r#"{"detail":"Method \"GET\" not allowed."}"#);
    app.logout_all(&access).await.assert(200, "{}");
    post(&app, "/api/token/refresh/", "refresh", &r1)
        .await
        .assert_401(BLACKLISTED);
    post(&app, "/api/token/refresh/", "refresh", &r2)
        .await
        .assert_401(BLACKLISTED);
    assert_eq!(
        post(&app, "/api/token/refresh/", "refresh", &alice)
            .await
            .status,
        200
    );
    // a refresh token is not an access token
    let wrong = app.logout_all(&alice).await;
    assert_eq!(wrong.status, 401);
    assert!(
        wrong.text.contains("Token has wrong type"),
        "{}",
        wrong.text
    );
    // user checks of stateful JWTAuthentication
    execute(
        &app,
        "UPDATE auth_user SET is_active = false WHERE username = 'kyoko'",
    );
    app.logout_all(&access)
        .await
        .assert_401(r#"{"detail":"User is inactive","code":"user_inactive"}"#);
    let t = now();
    let ghost = forge(
        &json!({"token_type": "access", "exp": t + 60, "iat": t, "jti": "g", "user_id": "424242"}),
    );
    app.logout_all(&ghost)
        .await
        .assert_401(r#"{"detail":"User not found","code":"user_not_found"}"#);
}
