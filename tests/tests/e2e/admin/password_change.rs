//! `POST /api/password/change/`: the authenticated user changes their password; the old
//! one must be right (wrong guesses count in the login throttle), the new one must pass
//! Django's validators, and every earlier token of the user is revoked. Also the CLI's
//! `changepassword`, which revokes the same way.

use reqwest::Method;
use serde_json::json;
use std::sync::Arc;

use super::{PASSWORD, call};
use tests::bodies::{NO_ACCOUNT, NOT_PROVIDED, OBTAIN, REFRESH, REVOKED, VERIFY};
use tests::{Answer, Ctx, TestApp, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![
        wrong_old_password_weak_new_password_missing_fields,
        a_change_revokes_earlier_tokens,
        any_body_form_the_token_views_accept,
        wrong_old_passwords_count_in_the_login_throttle,
        changepassword_cli_validates_and_revokes,
    ]
}

const CHANGE: &str = "/api/password/change/";
const NEW: &str = "Zq9$Lm2@xv";
const WRONG_OLD: &str =
    r#"{"old_password":["Your old password was entered incorrectly. Please enter it again."]}"#;

async fn change(app: &TestApp, access: Option<&str>, old: &str, new: &str) -> Answer {
    call(
        app,
        Method::POST,
        CHANGE,
        access,
        Some(&json!({"old_password": old, "new_password": new})),
    )
    .await
}

pub async fn wrong_old_password_weak_new_password_missing_fields(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("kyoko", PASSWORD);
    let (_, access) = app.obtain("kyoko", PASSWORD).await;
    let token = Some(access.as_str());
    change(&app, None, PASSWORD, NEW)
        .await
        .assert_401(NOT_PROVIDED);
    change(&app, token, "not-my-password", NEW)
        .await
        .assert(400, WRONG_OLD);
    change(&app, token, PASSWORD, "123").await.assert(
        400,
        r#"{"new_password":["This password is too short. It must contain at least 8 characters.","This password is too common.","This password is entirely numeric."]}"#,
    );
    change(&app, token, PASSWORD, "kyoko@example.com")
        .await
        .assert(
            400,
            r#"{"new_password":["The password is too similar to the email address."]}"#,
        );
    // both wrong: both reported, as Django's PasswordChangeForm does
    change(&app, token, "nope", "password").await.assert(
        400,
        r#"{"old_password":["Your old password was entered incorrectly. Please enter it again."],"new_password":["This password is too common."]}"#,
    );
    call(&app, Method::POST, CHANGE, token, Some(&json!({}))).await.assert(
        400,
        r#"{"old_password":["This field is required."],"new_password":["This field is required."]}"#,
    );
    let get = call(&app, Method::GET, CHANGE, token, None).await;
    assert_eq!(get.status, 405, "{}", get.text);
    // nothing changed
    app.obtain("kyoko", PASSWORD).await;
}

pub async fn a_change_revokes_earlier_tokens(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("kyoko", PASSWORD);
    let (refresh, access) = app.obtain("kyoko", PASSWORD).await;
    let (other_refresh, _) = app.obtain("kyoko", PASSWORD).await;
    change(&app, Some(&access), PASSWORD, NEW)
        .await
        .assert(200, r#"{"detail":"Password changed."}"#);
    for old in [&refresh, &other_refresh] {
        let refused = app.post_form(REFRESH, &[("refresh", old)]).await;
        assert_eq!(refused.status, 401, "{}", refused.text);
        assert_eq!(refused.json()["code"], "token_not_valid");
    }
    app.post_form(VERIFY, &[("token", &access)])
        .await
        .assert_401(REVOKED);
    app.post_form(OBTAIN, &[("username", "kyoko"), ("password", PASSWORD)])
        .await
        .assert_401(NO_ACCOUNT);
    // the new password works, and so do the tokens it gets (from the second after the
    // revocation's: a token of the revocation's own second is revoked, see db::revocation)
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (refresh, _) = app.obtain("kyoko", NEW).await;
    let answer = app.post_form(REFRESH, &[("refresh", &refresh)]).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    // the old access token no longer authenticates a second change
    change(&app, Some(&access), NEW, "Another$Pass9")
        .await
        .assert_401(REVOKED);
}

pub async fn any_body_form_the_token_views_accept(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    app.create_user("kyoko", PASSWORD);
    let (_, access) = app.obtain("kyoko", PASSWORD).await;
    let url = format!("{}{CHANGE}", app.auth);
    let form = app
        .client
        .post(&url)
        .bearer_auth(&access)
        .form(&[("old_password", PASSWORD), ("new_password", NEW)])
        .send()
        .await
        .expect("POST");
    Answer::read(form)
        .await
        .assert(200, r#"{"detail":"Password changed."}"#);
    // a token of the revocation's own second is revoked too (db::revocation)
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let (_, access) = app.obtain("kyoko", NEW).await;
    let multipart = reqwest::multipart::Form::new()
        .text("old_password", NEW)
        .text("new_password", PASSWORD);
    let answer = app
        .client
        .post(&url)
        .bearer_auth(&access)
        .multipart(multipart)
        .send()
        .await
        .expect("POST");
    Answer::read(answer)
        .await
        .assert(200, r#"{"detail":"Password changed."}"#);
    app.obtain("kyoko", PASSWORD).await;
}

pub async fn wrong_old_passwords_count_in_the_login_throttle(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[("TOKENPAIR__LOGIN_THROTTLE_USER", "2/min")]);
    app.create_user("kyoko", PASSWORD);
    let (_, access) = app.obtain("kyoko", PASSWORD).await;
    for _ in 0..2 {
        change(&app, Some(&access), "guess", NEW)
            .await
            .assert(400, WRONG_OLD);
    }
    // the third guess is refused before its hash, even with the right password
    let throttled = change(&app, Some(&access), PASSWORD, NEW).await;
    assert_eq!(throttled.status, 429, "{}", throttled.text);
    // and it is the login's counter: logging in from this address is throttled too
    let login = app
        .post_form(OBTAIN, &[("username", "kyoko"), ("password", PASSWORD)])
        .await;
    assert_eq!(login.status, 429, "{}", login.text);
    assert!(app.user("kyoko").is_some());
    assert!(
        matches!(
            django_hashers::check_password(
                PASSWORD,
                &app.user("kyoko").unwrap().password,
                &app.hasher()
            ),
            django_hashers::Verdict::Valid { .. }
        ),
        "password unchanged"
    );
}

/// `auth-service changepassword USERNAME` reads the password from a terminal (rpassword opens
/// /dev/tty), so it runs under `script` (util-linux), which gives it a pseudo-terminal fed
/// from our stdin: (success, everything the terminal showed).
async fn changepassword(ctx: &Ctx, username: &str, typed: &str) -> (bool, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let command = format!(
        "{} changepassword {username}",
        env!("CARGO_BIN_EXE_auth-service-cli")
    );
    let mut script = Command::new("script");
    script
        .args(["-qec", &command, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("SECRET_KEY", tests::app::TEST_SECRET_KEY)
        .env("DATABASE_URL", &ctx.db.url)
        .env(
            "TOKENPAIR__PBKDF2_ITERATIONS",
            tests::app::TEST_ITERATIONS.to_string(),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let typed = typed.to_owned();
    let output = tokio::task::spawn_blocking(move || {
        let mut child = script
            .spawn()
            .expect("`script` (util-linux) is needed to give changepassword a terminal");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(typed.as_bytes())
            .expect("type the passwords");
        child.wait_with_output().expect("changepassword")
    })
    .await
    .expect("join");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

pub async fn changepassword_cli_validates_and_revokes(ctx: Arc<Ctx>) {
    let app = ctx.spawn(&[]);
    let id = app.create_user("kyoko", PASSWORD);
    let (refresh, access) = app.obtain("kyoko", PASSWORD).await;
    // a weak password first: Django's messages, then a second try
    let (ok, shown) = changepassword(&ctx, "kyoko", &format!("123\n123\n{NEW}\n{NEW}\n")).await;
    assert!(ok, "{shown}");
    assert!(
        shown.contains(
            "This password is too short. It must contain at least 8 characters.\r\nThis password is too common.\r\nThis password is entirely numeric."
        ),
        "{shown}"
    );
    assert!(
        shown.contains("Password changed successfully for user 'kyoko'"),
        "{shown}"
    );
    assert_eq!(
        app.db
            .count(&format!("tokenpair_user_revocation WHERE user_id = {id}")),
        1
    );
    let refused = app.post_form(REFRESH, &[("refresh", &refresh)]).await;
    assert_eq!(refused.status, 401, "{}", refused.text);
    app.post_form(VERIFY, &[("token", &access)])
        .await
        .assert_401(REVOKED);
    app.post_form(OBTAIN, &[("username", "kyoko"), ("password", PASSWORD)])
        .await
        .assert_401(NO_ACCOUNT);
    app.obtain("kyoko", NEW).await;
}
