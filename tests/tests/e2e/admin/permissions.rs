//! Who may use the admin API: an active staff user's access token, checked against the
//! database on every request; 401 without a token and 403 for anyone else, for every
//! action, before the body or the target is looked at.

use reqwest::Method;
use serde_json::json;
use std::sync::Arc;

use super::{FORBIDDEN, PASSWORD, USERS, call, staff};
use tests::bodies::NOT_PROVIDED;
use tests::{Ctx, TestApp};

/// Every action of the API, on an existing target user `id`.
fn actions(id: i32) -> Vec<(Method, String, Option<serde_json::Value>)> {
    let detail = format!("{USERS}{id}/");
    vec![
        (Method::GET, USERS.to_owned(), None),
        (Method::GET, format!("{USERS}?search=a&page=1"), None),
        (
            Method::POST,
            USERS.to_owned(),
            Some(json!({"username": "mallory2", "password": "Zq9$Lm2@xv"})),
        ),
        (Method::GET, detail.clone(), None),
        (
            Method::PATCH,
            detail.clone(),
            Some(json!({"is_staff": true})),
        ),
        (Method::DELETE, detail.clone(), None),
        (
            Method::POST,
            format!("{detail}password/"),
            Some(json!({"password": "Zq9$Lm2@xv"})),
        ),
        // not a method of the view: still 401/403 first, as DRF checks permissions first
        (Method::PUT, detail, Some(json!({}))),
    ]
}

/// Nothing changed: the target is intact and nobody was created.
fn unchanged(app: &TestApp, target: &str) {
    let user = app.user(target).expect("target still there");
    assert!(!user.is_staff, "target made staff");
    assert!(app.user("mallory2").is_none(), "user created");
    assert!(hashers_ok(app, target), "target's password changed");
}

fn hashers_ok(app: &TestApp, username: &str) -> bool {
    let user = app.user(username).expect("user");
    matches!(
        django_hashers::check_password(PASSWORD, &user.password, &app.hasher()),
        django_hashers::Verdict::Valid { .. }
    )
}

pub async fn no_token_is_401_for_every_action(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let target = app.create_user("target", PASSWORD);
    for (method, path, body) in actions(target) {
        let answer = call(&app, method.clone(), &path, None, body.as_ref()).await;
        assert_eq!(
            (answer.status, answer.text.as_str()),
            (401, NOT_PROVIDED),
            "{method} {path}"
        );
    }
    unchanged(&app, "target");
}

pub async fn a_non_staff_token_is_403_for_every_action(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let target = app.create_user("target", PASSWORD);
    app.create_user("mallory", PASSWORD);
    let (_, access) = app.obtain("mallory", PASSWORD).await;
    for (method, path, body) in actions(target) {
        let answer = call(&app, method.clone(), &path, Some(&access), body.as_ref()).await;
        assert_eq!(
            (answer.status, answer.text.as_str()),
            (403, FORBIDDEN),
            "{method} {path}"
        );
    }
    unchanged(&app, "target");
    // a superuser flag alone counts as staff (Django's superusers are staff in practice)
    app.db
        .execute("UPDATE auth_user SET is_superuser = TRUE WHERE username = 'mallory'");
    let answer = call(&app, Method::GET, USERS, Some(&access), None).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

/// The flags are read from the database on each request: a token minted while the user
/// was staff stops working as soon as the flag (or the account) goes.
pub async fn an_inactive_staff_user_is_refused(ctx: Arc<Ctx>) {
    // CHECK_USER_IS_ACTIVE off: the token still authenticates the inactive user, the
    // permission check must refuse on its own
    let app = ctx.spawn(&[("SIMPLE_JWT__CHECK_USER_IS_ACTIVE", "false")]);
    let (id, access) = staff(&app, "boss").await;
    let answer = call(&app, Method::GET, USERS, Some(&access), None).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    app.db.execute(&format!(
        "UPDATE auth_user SET is_active = FALSE WHERE id = {id}"
    ));
    call(&app, Method::GET, USERS, Some(&access), None)
        .await
        .assert(403, FORBIDDEN);
    app.db.execute(&format!(
        "UPDATE auth_user SET is_active = TRUE, is_staff = FALSE WHERE id = {id}"
    ));
    call(&app, Method::GET, USERS, Some(&access), None)
        .await
        .assert(403, FORBIDDEN);
}

pub async fn the_api_can_be_unmounted(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[("TOKENPAIR__ADMIN_API", "false")]);
    let (id, access) = staff(&app, "boss").await;
    for path in [USERS.to_owned(), format!("{USERS}{id}/")] {
        let answer = call(&app, Method::GET, &path, Some(&access), None).await;
        assert_eq!(answer.status, 404, "{path}: {}", answer.text);
    }
    let schema = app.get(&format!("{}/api/schema/", app.auth)).await.json();
    assert!(schema["paths"].get(USERS).is_none());
    assert!(schema["paths"].get("/api/password/change/").is_some());
}
