//! The blacklist view, its outstanding rows, switched off, and flushexpiredtokens (docs/simplejwt.md §1.5, §7).

use diesel::RunQueryDsl;
use serde_json::json;
use std::sync::Arc;

use super::{count, execute, post};
use tests::bodies::{BLACKLISTED, not_valid};
use tests::tokens::{forge, now, parts};
use tests::{Ctx, TestApp};

pub(super) async fn blacklist_view_and_outstanding_rows(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let id = app.create_user("kyoko", "contrasenasegura");
    let (refresh, access) = app.obtain("kyoko", "contrasenasegura").await;
    let jti = parts(&refresh).1["jti"].as_str().unwrap().to_owned();
    let exp = parts(&refresh).1["exp"].as_i64().unwrap();
    assert_eq!(
        count(&app, "token_blacklist_outstandingtoken"),
        1,
        "one row per login, none for access tokens"
    );
    assert_eq!(
        count(
            &app,
            &format!(
                "token_blacklist_outstandingtoken WHERE jti = '{jti}' AND user_id = {id} AND token = '{}'",
                // header.payload: the signature is never stored
                refresh.rsplit_once('.').unwrap().0
            )
        ),
        1
    );
    let expires = chrono::DateTime::from_timestamp(exp, 0)
        .expect("exp in range")
        .naive_utc();
    let stored = expires_at(&app);
    assert_eq!(stored[0], expires, "expires_at is the token's exp");

    post(&app, "/api/token/blacklist/", "refresh", &access)
        .await
        .assert_401(&not_valid("Token has wrong type"));
    post(&app, "/api/token/blacklist/", "refresh", &refresh)
        .await
        .assert(200, "{}");
    assert_eq!(count(&app, "token_blacklist_blacklistedtoken"), 1);
    post(&app, "/api/token/blacklist/", "refresh", &refresh)
        .await
        .assert_401(BLACKLISTED);
    post(&app, "/api/token/refresh/", "refresh", &refresh)
        .await
        .assert_401(BLACKLISTED);
    // the access token of a blacklisted refresh token keeps working until it expires
    app.protected(Some(&format!("Bearer {access}")))
        .await
        .assert(200, r#"{"content":"This view is protected"}"#);
    app.post_form("/api/token/blacklist/", &[])
        .await
        .assert(400, r#"{"refresh":["This field is required."]}"#);
}

pub(super) async fn blacklist_of_a_token_never_recorded(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let id = app.create_user("kyoko", "contrasenasegura");
    let t = now();
    let foreign = forge(
        &json!({"token_type": "refresh", "exp": t + 600, "iat": t, "jti": "abcdef0123456789abcdef0123456789", "user_id": id.to_string()}),
    );
    // rotating or refreshing a token minted elsewhere with the same key works
    assert_eq!(
        post(&app, "/api/token/refresh/", "refresh", &foreign)
            .await
            .status,
        200
    );
    post(&app, "/api/token/blacklist/", "refresh", &foreign)
        .await
        .assert(200, "{}");
    assert_eq!(
        count(
            &app,
            &format!(
                "token_blacklist_outstandingtoken WHERE jti = 'abcdef0123456789abcdef0123456789' AND user_id = {id}"
            )
        ),
        1,
        "outstanding row created on the fly, user resolved"
    );
    let orphan = forge(
        &json!({"token_type": "refresh", "exp": t + 600, "iat": t, "jti": "orphan", "user_id": "424242"}),
    );
    post(&app, "/api/token/blacklist/", "refresh", &orphan)
        .await
        .assert(200, "{}");
    assert_eq!(
        count(
            &app,
            "token_blacklist_outstandingtoken WHERE jti = 'orphan' AND user_id IS NULL"
        ),
        1
    );
}

pub(super) async fn blacklist_switched_off_is_a_no_op(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[
        ("TOKENPAIR__TOKEN_BLACKLIST", "false"),
        ("SIMPLE_JWT__ROTATE_REFRESH_TOKENS", "true"),
        ("SIMPLE_JWT__BLACKLIST_AFTER_ROTATION", "true"),
    ]);
    app.create_user("kyoko", "contrasenasegura");
    let (refresh, access) = app.obtain("kyoko", "contrasenasegura").await;
    post(&app, "/api/token/blacklist/", "refresh", &refresh)
        .await
        .assert(200, "{}");
    assert_eq!(
        post(&app, "/api/token/refresh/", "refresh", &refresh)
            .await
            .status,
        200
    );
    assert_eq!(
        post(&app, "/api/token/refresh/", "refresh", &refresh)
            .await
            .status,
        200,
        "rotation spends nothing"
    );
    assert_eq!(count(&app, "token_blacklist_outstandingtoken"), 0);
    let answer = app.logout_all(&access).await;
    assert_eq!(answer.status, 404, "logout-all needs the blacklist");
}

pub(super) async fn flushexpiredtokens_deletes_expired_rows(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("kyoko", "contrasenasegura");
    let (old, _) = app.obtain("kyoko", "contrasenasegura").await;
    post(&app, "/api/token/blacklist/", "refresh", &old)
        .await
        .assert(200, "{}");
    // Expired by the clock of the database row, not by a short lifetime: a
    // one-second lifetime raced the login on a loaded CI machine.
    execute(
        &app,
        "UPDATE token_blacklist_outstandingtoken SET expires_at = '2000-01-01 00:00:00'",
    );
    app.obtain("kyoko", "contrasenasegura").await;
    assert_eq!(count(&app, "token_blacklist_outstandingtoken"), 2);
    ctx.command(auth_service::cli::Command::Flushexpiredtokens)
        .await
        .expect("flushexpiredtokens");
    assert_eq!(count(&app, "token_blacklist_outstandingtoken"), 1);
    assert_eq!(count(&app, "token_blacklist_blacklistedtoken"), 0);
}

/// `expires_at` of every outstanding row, in insertion order.
fn expires_at(app: &TestApp) -> Vec<chrono::NaiveDateTime> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Timestamp)]
        expires_at: chrono::NaiveDateTime,
    }
    diesel::sql_query("SELECT expires_at FROM token_blacklist_outstandingtoken ORDER BY id")
        .load::<Row>(&mut app.db.connect())
        .expect("outstanding rows")
        .into_iter()
        .map(|r| r.expires_at)
        .collect()
}
