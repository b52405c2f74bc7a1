//! User administration (issue 12): the staff-only admin JSON API under `/api/admin/users/`
//! (`permissions`: 401/403 for every action, and `TOKENPAIR__ADMIN_API=false`; `users`:
//! each action's answers, paging, search, deactivation and deletion), and the self-service
//! `POST /api/password/change/` (`password_change`).

mod password_change;
mod permissions;
mod users;

use reqwest::Method;
use serde_json::Value;
use tests::{Answer, TestApp, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    let mut all = e2e![
        permissions::no_token_is_401_for_every_action,
        permissions::a_non_staff_token_is_403_for_every_action,
        permissions::an_inactive_staff_user_is_refused,
        permissions::the_api_can_be_unmounted,
        users::create_read_update_and_their_errors,
        users::paging_and_search,
        users::deactivating_revokes_the_users_tokens,
        users::setting_a_password_validates_and_revokes,
        users::delete_cascades_as_django_does,
        users::only_superusers_touch_superuser_status,
    ];
    all.extend(password_change::tests());
    all
}

pub const USERS: &str = "/api/admin/users/";
pub const FORBIDDEN: &str = r#"{"detail":"You do not have permission to perform this action."}"#;
pub const PASSWORD: &str = "contrasenasegura";

/// A staff user (Django's `is_staff`) with [`PASSWORD`]; returns (id, access token).
pub async fn staff(app: &TestApp, username: &str) -> (i32, String) {
    let id = app.create_user(username, PASSWORD);
    app.db.execute(&format!(
        "UPDATE auth_user SET is_staff = TRUE WHERE id = {id}"
    ));
    let (_, access) = app.obtain(username, PASSWORD).await;
    (id, access)
}

/// `method path` on auth-service with an optional bearer token and JSON body.
pub async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Answer {
    let mut request = app.client.request(method, format!("{}{path}", app.auth));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    Answer::read(request.send().await.expect("request")).await
}
