//! Token lifecycle: verify, blacklist, rotation (race-free), sliding tokens,
//! revocation, reuse detection, logout-all, flushexpiredtokens (docs/simplejwt.md §1.3–1.6,
//! §2.1, §4.3–4.6, §7).

use diesel::RunQueryDsl;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

use tests::bodies::{BLACKLISTED, not_valid};
use tests::tokens::{self, forge, now, parts};
use tests::{Answer, Ctx, TestApp, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![
        verify_accepts_any_type_and_ignores_blacklist_by_default,
        verify_consults_blacklist_after_rotation_setting,
        blacklist_view_and_outstanding_rows,
        blacklist_of_a_token_never_recorded,
        blacklist_switched_off_is_a_no_op,
        rotation_with_blacklist_spends_the_old_token,
        concurrent_rotation_has_exactly_one_winner,
        concurrent_rotation_across_two_instances,
        sliding_tokens,
        sliding_refresh_errors,
        revoked_password_blacklists_on_refresh,
        deleted_user_cannot_refresh,
        reuse_detection_revokes_the_family_after_grace,
        logout_all_revokes_every_refresh_token,
        flushexpiredtokens_deletes_expired_rows,
        claim_settings_rename_claims,
        leeway_accepts_recently_expired_tokens,
    ]
}


async fn post(app: &TestApp, path: &str, field: &str, token: &str) -> Answer {
    app.post_form(path, &[(field, token)]).await
}

fn count(app: &TestApp, from: &str) -> i64 {
    app.db.count(from)
}

fn execute(app: &TestApp, sql: &str) {
    app.db.execute(sql);
}

async fn verify_accepts_any_type_and_ignores_blacklist_by_default(ctx: Arc<Ctx>) {
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

async fn verify_consults_blacklist_after_rotation_setting(ctx: Arc<Ctx>) {
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

async fn blacklist_view_and_outstanding_rows(ctx: Arc<Ctx>) {
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

async fn blacklist_of_a_token_never_recorded(ctx: Arc<Ctx>) {
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

async fn blacklist_switched_off_is_a_no_op(ctx: Arc<Ctx>) {
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
    let response = app
        .client
        .post(format!("{}/api/token/logout-all/", app.auth))
        .header("Authorization", format!("Bearer {access}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404, "logout-all needs the blacklist");
}

async fn rotation_with_blacklist_spends_the_old_token(ctx: Arc<Ctx>) {
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
    let barrier = Arc::new(tokio::sync::Barrier::new(20));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let url = format!("{}/api/token/refresh/", urls[i % urls.len()]);
        let (client, barrier, token) = (tests::app::client(), barrier.clone(), refresh.to_owned());
        tasks.spawn(async move {
            barrier.wait().await;
            let response = client
                .post(url)
                .form(&[("refresh", token)])
                .send()
                .await
                .unwrap();
            Answer::read(response).await
        });
    }
    let mut answers = Vec::new();
    while let Some(answer) = tasks.join_next().await {
        answers.push(answer.unwrap());
    }
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

async fn concurrent_rotation_has_exactly_one_winner(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[ROTATE[0], ROTATE[1], ROTATE[2], ("TOKENPAIR__WORKERS", "4")]);
    app.create_user("kyoko", "contrasenasegura");
    let (refresh, _) = app.obtain("kyoko", "contrasenasegura").await;
    race(&app, std::slice::from_ref(&app.auth), &refresh).await;
}

async fn concurrent_rotation_across_two_instances(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&ROTATE);
    let second = ctx.spawn_auth(ctx.settings(&ROTATE));
    app.create_user("kyoko", "contrasenasegura");
    let (refresh, _) = app.obtain("kyoko", "contrasenasegura").await;
    race(&app, &[app.auth.clone(), second], &refresh).await;
}

async fn sliding_tokens(ctx: Arc<Ctx>) {
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

async fn sliding_refresh_errors(ctx: Arc<Ctx>) {
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

async fn revoked_password_blacklists_on_refresh(ctx: Arc<Ctx>) {
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

async fn deleted_user_cannot_refresh(ctx: Arc<Ctx>) {
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

async fn reuse_detection_revokes_the_family_after_grace(ctx: Arc<Ctx>) {
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

async fn logout_all_revokes_every_refresh_token(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("kyoko", "contrasenasegura");
    app.create_user("alice", "pw-alice-1");
    let (r1, _) = app.obtain("kyoko", "contrasenasegura").await;
    let (r2, access) = app.obtain("kyoko", "contrasenasegura").await;
    let (alice, _) = app.obtain("alice", "pw-alice-1").await;
    let url = format!("{}/api/token/logout-all/", app.auth);
    Answer::read(app.client.post(&url).send().await.unwrap())
        .await
        .assert_401(r#"{"detail":"Authentication credentials were not provided."}"#);
    Answer::read(app.client.get(&url).send().await.unwrap())
        .await
        .assert_401(r#"{"detail":"Authentication credentials were not provided."}"#);
    let bearer = format!("Bearer {access}");
    let get = Answer::read(
        app.client
            .get(&url)
            .header("Authorization", &bearer)
            .send()
            .await
            .unwrap(),
    )
    .await;
    get.assert(405, r#"{"detail":"Method \"GET\" not allowed."}"#);
    let answer = Answer::read(
        app.client
            .post(&url)
            .header("Authorization", &bearer)
            .send()
            .await
            .unwrap(),
    )
    .await;
    answer.assert(200, "{}");
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
    let wrong = Answer::read(
        app.client
            .post(&url)
            .header("Authorization", format!("Bearer {alice}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
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
    Answer::read(
        app.client
            .post(&url)
            .header("Authorization", &bearer)
            .send()
            .await
            .unwrap(),
    )
    .await
    .assert_401(r#"{"detail":"User is inactive","code":"user_inactive"}"#);
    let t = now();
    let ghost = forge(
        &json!({"token_type": "access", "exp": t + 60, "iat": t, "jti": "g", "user_id": "424242"}),
    );
    Answer::read(
        app.client
            .post(&url)
            .header("Authorization", format!("Bearer {ghost}"))
            .send()
            .await
            .unwrap(),
    )
    .await
    .assert_401(r#"{"detail":"User not found","code":"user_not_found"}"#);
}

async fn flushexpiredtokens_deletes_expired_rows(ctx: Arc<Ctx>) {
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
    let settings = ctx.settings(&[]);
    tokio::task::spawn_blocking(move || {
        auth_service::commands::run(auth_service::cli::Command::Flushexpiredtokens, settings)
    })
    .await
    .unwrap()
    .expect("flushexpiredtokens");
    assert_eq!(count(&app, "token_blacklist_outstandingtoken"), 1);
    assert_eq!(count(&app, "token_blacklist_blacklistedtoken"), 0);
}

async fn claim_settings_rename_claims(ctx: Arc<Ctx>) {
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

async fn leeway_accepts_recently_expired_tokens(ctx: Arc<Ctx>) {
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
