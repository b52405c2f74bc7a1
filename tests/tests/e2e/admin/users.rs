//! Each admin action's answers: create (validators, unique username through the
//! constraint, unusable password), read, update, paging (DRF's shape and links, the
//! page-size cap, invalid pages), search (wildcards taken literally), deactivation and
//! password setting (the user's tokens revoked) and deletion (Django's cascade).

use reqwest::Method;
use serde_json::json;
use std::sync::Arc;

use super::{PASSWORD, USERS, call, staff};
use tests::bodies::{NO_ACCOUNT, OBTAIN, REFRESH, REVOKED, VERIFY};
use tests::{Backend, Ctx};

const GOOD: &str = "Zq9$Lm2@xv";
const NOT_FOUND: &str = r#"{"detail":"Not found."}"#;

pub async fn create_read_update_and_their_errors(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let (_, access) = staff(&app, "boss").await;
    let token = Some(access.as_str());
    let created = call(
        &app,
        Method::POST,
        USERS,
        token,
        Some(
            &json!({"username": "kyoko", "password": GOOD, "email": "Kyoko@Example.COM",
            "first_name": "Kyoko", "is_staff": false}),
        ),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let user = created.json();
    let keys: Vec<&str> = user
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "is_active",
            "is_staff",
            "is_superuser",
            "date_joined",
            "last_login"
        ]
    );
    assert_eq!(user["username"], "kyoko");
    assert_eq!(user["email"], "Kyoko@example.com");
    assert_eq!(user["first_name"], "Kyoko");
    assert_eq!(user["last_name"], "");
    assert_eq!(
        (user["is_active"].clone(), user["is_staff"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(user["last_login"], json!(null));
    let joined = user["date_joined"].as_str().unwrap();
    assert!(joined.ends_with('Z') && joined.contains('T'), "{joined}");
    assert!(
        !created.text.contains("pbkdf2"),
        "hash leaked: {}",
        created.text
    );
    let id = user["id"].as_i64().unwrap();
    app.obtain("kyoko", GOOD).await;

    // the unique constraint decides
    call(
        &app,
        Method::POST,
        USERS,
        token,
        Some(&json!({"username": "kyoko", "password": GOOD})),
    )
    .await
    .assert(
        400,
        r#"{"username":["A user with that username already exists."]}"#,
    );
    // Django's validators, against the new user's own attributes
    call(&app, Method::POST, USERS, token, Some(&json!({"username": "weak", "password": "123"})))
        .await
        .assert(400, r#"{"password":["This password is too short. It must contain at least 8 characters.","This password is too common.","This password is entirely numeric."]}"#);
    call(
        &app,
        Method::POST,
        USERS,
        token,
        Some(&json!({"username": "kyokohayashi", "password": "kyokohayashi1"})),
    )
    .await
    .assert(
        400,
        r#"{"password":["The password is too similar to the username."]}"#,
    );
    assert!(app.user("weak").is_none() && app.user("kyokohayashi").is_none());
    call(&app, Method::POST, USERS, token,
        Some(&json!({"username": "bad name", "email": "nope", "is_staff": "maybe"})))
        .await
        .assert(400, r#"{"username":["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."],"email":["Enter a valid email address."],"is_staff":["Must be a valid boolean."]}"#);
    call(
        &app,
        Method::POST,
        USERS,
        token,
        Some(&json!({"email": "a@example.com"})),
    )
    .await
    .assert(400, r#"{"username":["This field is required."]}"#);
    call(
        &app,
        Method::POST,
        USERS,
        token,
        Some(&json!({"username": "x".repeat(151)})),
    )
    .await
    .assert(
        400,
        r#"{"username":["Ensure this field has no more than 150 characters."]}"#,
    );

    // no password: an unusable one, as Django's set_unusable_password
    let answer = call(
        &app,
        Method::POST,
        USERS,
        token,
        Some(&json!({"username": "nopass"})),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    assert!(app.user("nopass").unwrap().password.starts_with('!'));
    app.post_form(OBTAIN, &[("username", "nopass"), ("password", "!")])
        .await
        .assert_401(NO_ACCOUNT);

    // read
    let read = call(&app, Method::GET, &format!("{USERS}{id}/"), token, None).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(read.json()["username"], "kyoko");
    for missing in ["999999", "abc", "-1"] {
        call(
            &app,
            Method::GET,
            &format!("{USERS}{missing}/"),
            token,
            None,
        )
        .await
        .assert(404, NOT_FOUND);
    }

    // update
    let patched = call(
        &app,
        Method::PATCH,
        &format!("{USERS}{id}/"),
        token,
        Some(&json!({"first_name": "K", "is_staff": true, "password": "ignored"})),
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(
        (
            patched.json()["first_name"].clone(),
            patched.json()["is_staff"].clone()
        ),
        (json!("K"), json!(true))
    );
    assert!(app.user("kyoko").unwrap().is_staff);
    app.obtain("kyoko", GOOD).await;
    call(&app, Method::PATCH, &format!("{USERS}{id}/"), token, Some(&json!({"is_active": null, "last_name": "y".repeat(151)})))
        .await
        .assert(400, r#"{"last_name":["Ensure this field has no more than 150 characters."],"is_active":["This field may not be null."]}"#);
    call(
        &app,
        Method::PATCH,
        &format!("{USERS}999999/"),
        token,
        Some(&json!({"is_staff": true})),
    )
    .await
    .assert(404, NOT_FOUND);
    let put = call(
        &app,
        Method::PUT,
        &format!("{USERS}{id}/"),
        token,
        Some(&json!({})),
    )
    .await;
    assert_eq!(put.status, 405, "{}", put.text);
}

/// `n` users `bulk0`.. with unusable passwords, in one statement.
fn bulk_users(ctx: &Ctx, n: usize) {
    let sql = match ctx.backend() {
        Backend::Postgres => format!(
            "INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, \
             email, is_staff, is_active, date_joined) \
             SELECT '!', FALSE, 'bulk' || g, '', '', '', FALSE, TRUE, now() \
             FROM generate_series(0, {}) AS g",
            n - 1
        ),
        Backend::Sqlite => format!(
            "WITH RECURSIVE g(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM g WHERE n < {}) \
             INSERT INTO auth_user (password, is_superuser, username, first_name, last_name, \
             email, is_staff, is_active, date_joined) \
             SELECT '!', FALSE, 'bulk' || n, '', '', '', FALSE, TRUE, CURRENT_TIMESTAMP FROM g",
            n - 1
        ),
    };
    assert_eq!(ctx.db.execute(&sql), n);
}

pub async fn paging_and_search(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let (_, access) = staff(&app, "boss").await;
    let token = Some(access.as_str());
    for n in 0..7 {
        app.insert_user(&format!("user{n}"), "!", true);
    }
    for (name, first) in [
        ("user1", "1000"),
        ("user2", "100%"),
        ("user3", "a_b"),
        ("user4", "axb"),
    ] {
        app.db.execute(&format!(
            "UPDATE auth_user SET first_name = '{first}' WHERE username = '{name}'"
        ));
    }
    let page = |query: &str| {
        let path = format!("{USERS}{query}");
        let app = &app;
        async move { call(app, Method::GET, &path, token, None).await }
    };
    let base = format!("{}{USERS}", app.auth);

    let first = page("?page_size=3").await;
    assert_eq!(first.status, 200, "{}", first.text);
    let body = first.json();
    assert_eq!(body["count"], 8);
    assert_eq!(body["next"], format!("{base}?page=2&page_size=3"));
    assert_eq!(body["previous"], json!(null));
    let names: Vec<&str> = body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["boss", "user0", "user1"], "ordered by id");

    let second = page("?page_size=3&page=2").await.json();
    assert_eq!(second["previous"], format!("{base}?page_size=3"));
    assert_eq!(second["next"], format!("{base}?page=3&page_size=3"));
    let third = page("?page=3&page_size=3").await.json();
    assert_eq!(third["next"], json!(null));
    assert_eq!(third["results"].as_array().unwrap().len(), 2);
    assert_eq!(
        page("?page=last&page_size=3").await.json()["results"],
        third["results"]
    );
    for bad in ["?page=4&page_size=3", "?page=0", "?page=x", "?page=-1"] {
        page(bad).await.assert(404, r#"{"detail":"Invalid page."}"#);
    }

    // search: icontains, every term; `%` and `_` are literal
    let found = |answer: tests::Answer| -> Vec<String> {
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.json()["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(found(page("?search=100%25").await), ["user2"]);
    assert_eq!(found(page("?search=a_b").await), ["user3"]);
    assert_eq!(found(page("?search=USER6").await), ["user6"]);
    assert_eq!(found(page("?search=user+3").await), ["user3"]);
    assert_eq!(found(page("?search=boss%40example.com").await), ["boss"]);
    assert!(found(page("?search=nobody").await).is_empty());
    let searched = page("?search=user&page_size=2").await.json();
    assert_eq!(searched["count"], 7);
    assert_eq!(
        searched["next"],
        format!("{base}?page=2&page_size=2&search=user")
    );
    page(&format!("?search={}", "a".repeat(300))).await.assert(
        400,
        r#"{"search":["Ensure this field has no more than 256 characters."]}"#,
    );

    // the page size is bounded
    bulk_users(&ctx, 600);
    let capped = page("?page_size=100000").await.json();
    assert_eq!(capped["count"], 608);
    assert_eq!(capped["results"].as_array().unwrap().len(), 500);
    assert_eq!(capped["next"], format!("{base}?page=2&page_size=100000"));
    let default = page("").await.json();
    assert_eq!(default["results"].as_array().unwrap().len(), 50);
    assert_eq!(default["next"], format!("{base}?page=2"));
    assert_eq!(
        page("?page=13").await.json()["results"]
            .as_array()
            .unwrap()
            .len(),
        8
    );
}

pub async fn deactivating_revokes_the_users_tokens(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let (_, access) = staff(&app, "boss").await;
    let id = app.create_user("kyoko", PASSWORD);
    let (refresh, kyoko_access) = app.obtain("kyoko", PASSWORD).await;
    let path = format!("{USERS}{id}/");
    let answer = call(
        &app,
        Method::PATCH,
        &path,
        Some(&access),
        Some(&json!({"is_active": false})),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json()["is_active"], false);
    let refused = app.post_form(REFRESH, &[("refresh", &refresh)]).await;
    assert_eq!(refused.status, 401, "{}", refused.text);
    assert_eq!(refused.json()["code"], "token_not_valid");
    app.post_form(VERIFY, &[("token", &kyoko_access)])
        .await
        .assert_401(REVOKED);
    app.post_form(OBTAIN, &[("username", "kyoko"), ("password", PASSWORD)])
        .await
        .assert_401(NO_ACCOUNT);
    // reactivated: new logins work, the old tokens stay revoked
    let answer = call(
        &app,
        Method::PATCH,
        &path,
        Some(&access),
        Some(&json!({"is_active": "true"})),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    app.obtain("kyoko", PASSWORD).await;
    app.post_form(VERIFY, &[("token", &kyoko_access)])
        .await
        .assert_401(REVOKED);
    // the staff user's own tokens are untouched
    let own = call(&app, Method::GET, USERS, Some(&access), None).await;
    assert_eq!(own.status, 200, "{}", own.text);
}

pub async fn setting_a_password_validates_and_revokes(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let (_, access) = staff(&app, "boss").await;
    let token = Some(access.as_str());
    let id = app.create_user("kyoko", PASSWORD);
    let (refresh, _) = app.obtain("kyoko", PASSWORD).await;
    let path = format!("{USERS}{id}/password/");
    call(&app, Method::POST, &path, token, Some(&json!({})))
        .await
        .assert(400, r#"{"password":["This field is required."]}"#);
    call(&app, Method::POST, &path, token, Some(&json!({"password": "kyoko"}))).await
        .assert(400, r#"{"password":["The password is too similar to the username.","This password is too short. It must contain at least 8 characters."]}"#);
    app.obtain("kyoko", PASSWORD).await;
    call(
        &app,
        Method::POST,
        &path,
        token,
        Some(&json!({"password": GOOD})),
    )
    .await
    .assert(200, r#"{"detail":"Password set."}"#);
    let refused = app.post_form(REFRESH, &[("refresh", &refresh)]).await;
    assert_eq!(refused.status, 401, "{}", refused.text);
    app.post_form(OBTAIN, &[("username", "kyoko"), ("password", PASSWORD)])
        .await
        .assert_401(NO_ACCOUNT);
    app.obtain("kyoko", GOOD).await;
    call(
        &app,
        Method::POST,
        &format!("{USERS}999999/password/"),
        token,
        Some(&json!({"password": GOOD})),
    )
    .await
    .assert(404, NOT_FOUND);
}

pub async fn delete_cascades_as_django_does(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let (boss, access) = staff(&app, "boss").await;
    let token = Some(access.as_str());
    let id = app.create_user("kyoko", PASSWORD);
    let (refresh, _) = app.obtain("kyoko", PASSWORD).await;
    let db = &app.db;
    // the rows a Django site holds for a user: groups, permissions, admin log entries
    db.execute("INSERT INTO auth_group (name) VALUES ('editors')");
    db.execute(&format!(
        "INSERT INTO auth_user_groups (user_id, group_id) SELECT {id}, id FROM auth_group"
    ));
    db.execute("INSERT INTO django_content_type (app_label, model) VALUES ('auth', 'user')");
    db.execute(
        "INSERT INTO auth_permission (name, content_type_id, codename) \
                SELECT 'Can view user', id, 'view_user' FROM django_content_type",
    );
    db.execute(&format!(
        "INSERT INTO auth_user_user_permissions (user_id, permission_id) \
                SELECT {id}, id FROM auth_permission"
    ));
    db.execute(
        "CREATE TABLE django_admin_log (id integer PRIMARY KEY, \
                user_id integer NOT NULL REFERENCES auth_user (id) DEFERRABLE INITIALLY DEFERRED, \
                object_repr varchar(200) NOT NULL)",
    );
    db.execute(&format!("INSERT INTO django_admin_log (id, user_id, object_repr) VALUES (1, {id}, 'x'), (2, {boss}, 'y')"));
    let outstanding = db.count("token_blacklist_outstandingtoken");
    assert_eq!(
        db.count(&format!(
            "token_blacklist_outstandingtoken WHERE user_id = {id}"
        )),
        1
    );

    call(
        &app,
        Method::DELETE,
        &format!("{USERS}{boss}/"),
        token,
        None,
    )
    .await
    .assert(400, r#"{"detail":"You cannot delete your own account."}"#);
    call(&app, Method::DELETE, &format!("{USERS}{id}/"), token, None)
        .await
        .assert(204, "");
    assert!(app.user("kyoko").is_none());
    assert_eq!(db.count("auth_user_groups"), 0);
    assert_eq!(db.count("auth_user_user_permissions"), 0);
    assert_eq!(
        db.texts("SELECT CAST(user_id AS TEXT) AS t FROM django_admin_log"),
        [boss.to_string()]
    );
    // simplejwt's on_delete=SET_NULL: the rows stay, without their user, and blacklisted
    assert_eq!(db.count("token_blacklist_outstandingtoken"), outstanding);
    assert_eq!(
        db.count(&format!(
            "token_blacklist_outstandingtoken WHERE user_id = {id}"
        )),
        0
    );
    assert_eq!(
        db.count("token_blacklist_outstandingtoken WHERE user_id IS NULL"),
        1
    );
    assert_eq!(db.count("token_blacklist_blacklistedtoken"), 1);
    // the revocation time stays: an id SQLite may reuse cannot revive the tokens
    assert_eq!(
        db.count(&format!("tokenpair_user_revocation WHERE user_id = {id}")),
        1
    );
    let refused = app.post_form(REFRESH, &[("refresh", &refresh)]).await;
    assert_eq!(refused.status, 401, "{}", refused.text);
    call(&app, Method::DELETE, &format!("{USERS}{id}/"), token, None)
        .await
        .assert(404, NOT_FOUND);
    assert_eq!(db.count("auth_group"), 1, "the group itself stays");
}

pub async fn only_superusers_touch_superuser_status(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let (boss, staff_token) = staff(&app, "boss").await;
    let (root, root_token) = staff(&app, "root").await;
    app.db.execute(&format!(
        "UPDATE auth_user SET is_superuser = TRUE WHERE id = {root}"
    ));
    let staff_token = Some(staff_token.as_str());
    let refused = [
        (
            Method::PATCH,
            format!("{USERS}{boss}/"),
            Some(json!({"is_superuser": true})),
        ),
        (
            Method::POST,
            USERS.to_owned(),
            Some(json!({"username": "x", "is_superuser": false})),
        ),
        (
            Method::PATCH,
            format!("{USERS}{root}/"),
            Some(json!({"is_active": false})),
        ),
        (
            Method::POST,
            format!("{USERS}{root}/password/"),
            Some(json!({"password": GOOD})),
        ),
        (Method::DELETE, format!("{USERS}{root}/"), None),
    ];
    for (method, path, body) in refused {
        call(&app, method, &path, staff_token, body.as_ref())
            .await
            .assert(403, super::FORBIDDEN);
    }
    assert!(!app.user("boss").unwrap().is_superuser);
    assert!(app.user("x").is_none());
    let root_row = app.user("root").unwrap();
    assert!(root_row.is_active && root_row.is_superuser);
    // a superuser may
    let granted = call(
        &app,
        Method::PATCH,
        &format!("{USERS}{boss}/"),
        Some(&root_token),
        Some(&json!({"is_superuser": true})),
    )
    .await;
    assert_eq!(granted.status, 200, "{}", granted.text);
    assert!(app.user("boss").unwrap().is_superuser);
}
