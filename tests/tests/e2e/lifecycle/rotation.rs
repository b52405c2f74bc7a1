//! Rotation: the old token spent, one winner among concurrent rotations (one instance or two), reuse detection (docs/simplejwt.md §1.4, §4.3–4.6).

use std::sync::Arc;
use std::time::Duration;

use super::{count, post};
use tests::bodies::BLACKLISTED;
use tests::tokens::parts;
use tests::{Ctx, TestApp};

pub(super) async fn rotation_with_blacklist_spends_the_old_token(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[
        ("SIMPLE_JWT__ROTATE_REFRESH_TOKENS", "true"),
        ("SIMPLE_JWT__BLACKLIST_AFTER_ROTATION", "true"),
    ]);
    let id = app.create_user("kyoko", "contrasenasegura");
    let (r1, _) = app.obtain("kyoko", "contrasenasegura").await;
    let answer = post(&app, "/api/token/refresh/", "refresh", &r1).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let r2 = answer.field("refresh");
    post(&app, "/api/token/refresh/", "refresh", &r1)
        .await
        .assert_401(BLACKLISTED);
    let r3 = post(&app, "/api/token/refresh/", "refresh", &r2)
        .await
        .field("refresh");
    assert_eq!(
        count(
            &app,
            &format!("token_blacklist_outstandingtoken WHERE user_id = {id}")
        ),
        3
    );
    assert_eq!(count(&app, "token_blacklist_blacklistedtoken"), 2);
    let jti3 = parts(&r3).1["jti"].as_str().unwrap().to_owned();
    assert_eq!(
        count(
            &app,
            &format!("token_blacklist_outstandingtoken WHERE jti = '{jti3}'")
        ),
        1
    );
}

/// 20 refreshes of one token at once, over `urls` round-robin: exactly one 200.
async fn race(app: &TestApp, urls: &[String], refresh: &str) {
    let urls: Vec<String> = urls
        .iter()
        .map(|base| format!("{base}/api/token/refresh/"))
        .collect();
    let answers = tests::app::simultaneous_refreshes(&urls, refresh, 20).await;
    let ok = answers.iter().filter(|a| a.status == 200).count();
    assert_eq!(
        ok,
        1,
        "exactly one winner: {:?}",
        answers
            .iter()
            .map(|a| (a.status, a.text.clone()))
            .collect::<Vec<_>>()
    );
    for loser in answers.iter().filter(|a| a.status != 200) {
        loser.assert_401(BLACKLISTED);
    }
    assert_eq!(count(app, "token_blacklist_blacklistedtoken"), 1);
}

const ROTATE: [(&str, &str); 3] = [
    ("SIMPLE_JWT__ROTATE_REFRESH_TOKENS", "true"),
    ("SIMPLE_JWT__BLACKLIST_AFTER_ROTATION", "true"),
    ("TOKENPAIR__DB_POOL_SIZE", "10"),
];

pub(super) async fn concurrent_rotation_has_exactly_one_winner(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[ROTATE[0], ROTATE[1], ROTATE[2], ("TOKENPAIR__WORKERS", "4")]);
    app.create_user("kyoko", "contrasenasegura");
    let (refresh, _) = app.obtain("kyoko", "contrasenasegura").await;
    race(&app, std::slice::from_ref(&app.auth), &refresh).await;
}

pub(super) async fn concurrent_rotation_across_two_instances(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&ROTATE);
    let second = ctx.spawn_auth(ctx.settings(&ROTATE));
    app.create_user("kyoko", "contrasenasegura");
    let (refresh, _) = app.obtain("kyoko", "contrasenasegura").await;
    race(&app, &[app.auth.clone(), second], &refresh).await;
}

pub(super) async fn reuse_detection_revokes_the_family_after_grace(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[
        ("SIMPLE_JWT__ROTATE_REFRESH_TOKENS", "true"),
        ("SIMPLE_JWT__BLACKLIST_AFTER_ROTATION", "true"),
        ("TOKENPAIR__REUSE_DETECTION", "true"),
        ("TOKENPAIR__REUSE_GRACE", "2s"),
    ]);
    app.create_user("kyoko", "contrasenasegura");
    let (r1, _) = app.obtain("kyoko", "contrasenasegura").await;
    let (other_login, _) = app.obtain("kyoko", "contrasenasegura").await;
    let r2 = post(&app, "/api/token/refresh/", "refresh", &r1)
        .await
        .field("refresh");
    // a duplicate within the grace window: refused, nothing revoked
    post(&app, "/api/token/refresh/", "refresh", &r1)
        .await
        .assert_401(BLACKLISTED);
    let r3 = post(&app, "/api/token/refresh/", "refresh", &r2)
        .await
        .field("refresh");
    tokio::time::sleep(Duration::from_millis(2200)).await;
    // a replay after the window: the whole family is revoked
    post(&app, "/api/token/refresh/", "refresh", &r1)
        .await
        .assert_401(BLACKLISTED);
    post(&app, "/api/token/refresh/", "refresh", &r3)
        .await
        .assert_401(BLACKLISTED);
    // another login of the same user is another family
    assert_eq!(
        post(&app, "/api/token/refresh/", "refresh", &other_login)
            .await
            .status,
        200
    );
    // the family lives in our own table, never in the claims
    let keys: Vec<String> = parts(&r3).1.as_object().unwrap().keys().cloned().collect();
    assert_eq!(keys, ["token_type", "exp", "iat", "jti", "user_id"]);

    let misconfigured = ctx.settings(&[("TOKENPAIR__REUSE_DETECTION", "true")]);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let error = auth_service::Application::build(misconfigured, listener)
        .err()
        .expect("refused")
        .to_string();
    assert!(error.contains("REUSE_DETECTION"), "{error}");
}
