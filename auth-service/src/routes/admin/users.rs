//! The admin API's views on users: list (paged, searched), create, read, update, set the
//! password, delete. Every action is logged at INFO with the acting user and the target
//! (never a password); every database step runs off the worker threads (`Db::run`), every
//! hash on the hashing pool.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use drf_parsers::{DrfData, RequestData, required_strings};
use serde_json::{Value, json};
use shared::ApiError;
use shared::errors::json_response;

use super::fields::{self, Errors};
use super::paging;
use super::staff::{PERMISSION_DENIED, StaffUser};
use crate::db::admin_users::{self, UserChanges, UserRow};
use crate::db::clock::clock;
use crate::db::revocation;
use crate::db::users::{self, NewUser};
use crate::error::AuthError;
use crate::hashers;
use crate::passwords::{UserAttributes, validate_password};
use crate::state::AppState;

/// Django's `AbstractUser.username.error_messages["unique"]`.
const USERNAME_TAKEN: &str = "A user with that username already exists.";

/// A datetime as DRF's `DateTimeField` renders a UTC one: ISO 8601, microseconds only
/// when there are any, `Z` for `+00:00`.
fn drf_datetime(at: NaiveDateTime) -> String {
    let micros = at.and_utc().timestamp_subsec_micros();
    let base = at.format("%Y-%m-%dT%H:%M:%S");
    if micros == 0 {
        format!("{base}Z")
    } else {
        format!("{base}.{micros:06}Z")
    }
}

/// The user as the admin API shows it (never the password hash).
fn user_json(user: &UserRow) -> Value {
    json!({
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "date_joined": drf_datetime(user.date_joined),
        "last_login": user.last_login.map(drf_datetime),
    })
}

/// Superuser status is the superusers' to give, take, or act on: a staff user who is not
/// one may not set `is_superuser` nor change, reset or delete a superuser (else any staff
/// account could make itself superuser, or take a superuser's account over). 403.
fn superusers_only(
    actor: &crate::db::users::User,
    touches_superuser: bool,
) -> Result<(), AuthError> {
    if touches_superuser && !actor.is_superuser {
        tracing::info!(
            actor_id = actor.id,
            actor = %actor.username,
            "admin: refused, superuser status is for superusers"
        );
        return Err(ApiError::detail(StatusCode::FORBIDDEN, PERMISSION_DENIED).into());
    }
    Ok(())
}

/// The `{id}` of a detail URL; not an integer: 404, as Django's `<int:pk>` would not match.
fn target_id(raw: &str) -> Result<i32, AuthError> {
    raw.parse::<i32>()
        .map_err(|_| AuthError::Api(ApiError::not_found()))
}

async fn load(state: &AppState, id: i32) -> Result<UserRow, AuthError> {
    state
        .db
        .run(move |conn| Ok(admin_users::by_id(conn, id)?))
        .await?
        .ok_or_else(|| AuthError::Api(ApiError::not_found()))
}

/// Revoke every token of user `id` issued up to now (the one revocation of the service).
async fn revoke(state: &AppState, id: i32) -> Result<usize, AuthError> {
    Ok(state
        .db
        .run(move |conn| Ok(revocation::blacklist_user(conn, id)?))
        .await?)
}

/// Django's validators for `password` as the password of `user`: 400 `{field: [...]}`.
fn check_password_rules(
    state: &AppState,
    field: &str,
    password: &str,
    user: &UserAttributes<'_>,
) -> Result<(), AuthError> {
    let problems = validate_password(password, user, state.settings.accounts.password_min_length);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::field_errors(vec![(field.to_owned(), problems)]).into())
    }
}

async fn hash(state: &AppState, password: String) -> Result<String, AuthError> {
    let config = state.hasher.clone();
    Ok(state
        .hashing
        .run(move || hashers::make_password(&password, &config))
        .await?)
}

/// `GET /api/admin/users/?page=N&page_size=M&search=TEXT`.
pub async fn list(
    StaffUser(actor): StaffUser,
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let pairs = paging::query_pairs(req.query_string());
    let terms = paging::search_terms(&pairs)?;
    let size = paging::page_size(&pairs);
    let (query, terms_used) = (pairs.clone(), terms.clone());
    let found = state
        .db
        .run(move |conn| {
            let count = admin_users::count(conn, &terms_used)?;
            let number = match paging::page_number(&query, count, size) {
                Ok(number) => number,
                Err(invalid) => return Ok(Err(invalid)),
            };
            let rows = admin_users::page(conn, &terms_used, (number - 1) * size, size)?;
            Ok(Ok((count, number, rows)))
        })
        .await?;
    let (count, number, rows) = found?;
    tracing::info!(
        actor_id = actor.id,
        actor = %actor.username,
        action = "list",
        page = number,
        results = rows.len(),
        "admin: users listed"
    );
    let last = ((count + size - 1) / size).max(1);
    let next = (number < last).then(|| paging::link(&req, &pairs, Some(number + 1)));
    let previous = (number > 1).then(|| {
        let page = (number > 2).then_some(number - 1);
        paging::link(&req, &pairs, page)
    });
    let results: Vec<Value> = rows.iter().map(user_json).collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"count": count, "next": next, "previous": previous, "results": results}),
    ))
}

/// `POST /api/admin/users/`: 201 with the new user.
pub async fn create(
    StaffUser(actor): StaffUser,
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let data = DrfData::read(&req, body).await?;
    let mut errors = Errors::default();
    let username = fields::username(&data, &mut errors);
    let password = match data.get("password") {
        None => None,
        Some(_) => fields::optional_text(&data, "password", false, 4096, &mut errors),
    };
    let email = fields::email(&data, &mut errors).unwrap_or_default();
    let first_name = fields::optional_text(&data, "first_name", true, 150, &mut errors);
    let last_name = fields::optional_text(&data, "last_name", true, 150, &mut errors);
    let is_staff = fields::boolean(&data, "is_staff", &mut errors);
    let is_active = fields::boolean(&data, "is_active", &mut errors);
    let is_superuser = fields::boolean(&data, "is_superuser", &mut errors);
    let Some(username) = username.filter(|_| errors.is_empty()) else {
        return Err(ApiError::field_errors(errors.0).into());
    };
    superusers_only(&actor, is_superuser.is_some())?;
    let (first_name, last_name) = (
        first_name.unwrap_or_default(),
        last_name.unwrap_or_default(),
    );
    let hash = match password {
        Some(password) => {
            let attributes = UserAttributes {
                username: &username,
                first_name: &first_name,
                last_name: &last_name,
                email: &email,
            };
            check_password_rules(&state, "password", &password, &attributes)?;
            hash(&state, password).await?
        }
        // Django's set_unusable_password
        None => hashers::make_unusable_password(),
    };
    let new = NewUser {
        password: hash,
        last_login: None,
        is_superuser: is_superuser.unwrap_or(false),
        username,
        first_name,
        last_name,
        email,
        is_staff: is_staff.unwrap_or(false),
        is_active: is_active.unwrap_or(true),
        date_joined: clock(),
    };
    // The unique constraint decides (no check-then-insert race).
    let inserted = state
        .db
        .run(move |conn| match users::insert(conn, &new) {
            Ok(user) => Ok(Some(user.id)),
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(None),
            Err(e) => Err(e.into()),
        })
        .await?;
    let Some(id) = inserted else {
        return Err(
            ApiError::field_errors(vec![("username".into(), vec![USERNAME_TAKEN.into()])]).into(),
        );
    };
    let user = load(&state, id).await?;
    tracing::info!(
        actor_id = actor.id,
        actor = %actor.username,
        action = "create",
        target_id = user.id,
        target = %user.username,
        is_staff = user.is_staff,
        is_superuser = user.is_superuser,
        "admin: user created"
    );
    Ok(json_response(StatusCode::CREATED, &user_json(&user)))
}

/// `GET /api/admin/users/{id}/`.
pub async fn read(
    StaffUser(actor): StaffUser,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let id = target_id(&id)?;
    let user = load(&state, id).await?;
    tracing::info!(
        actor_id = actor.id,
        actor = %actor.username,
        action = "read",
        target_id = id,
        "admin: user read"
    );
    Ok(json_response(StatusCode::OK, &user_json(&user)))
}

/// The fields a PATCH may carry (others are ignored, as DRF ignores unknown fields).
fn changes(data: &RequestData) -> Result<UserChanges, AuthError> {
    let mut errors = Errors::default();
    let changes = UserChanges {
        email: fields::email(data, &mut errors),
        first_name: fields::optional_text(data, "first_name", true, 150, &mut errors),
        last_name: fields::optional_text(data, "last_name", true, 150, &mut errors),
        is_active: fields::boolean(data, "is_active", &mut errors),
        is_staff: fields::boolean(data, "is_staff", &mut errors),
        is_superuser: fields::boolean(data, "is_superuser", &mut errors),
    };
    if errors.is_empty() {
        Ok(changes)
    } else {
        Err(ApiError::field_errors(errors.0).into())
    }
}

/// `PATCH /api/admin/users/{id}/`: deactivating a user revokes their tokens.
pub async fn update(
    StaffUser(actor): StaffUser,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let id = target_id(&id)?;
    let data = DrfData::read(&req, body).await?;
    let changes = changes(&data)?;
    let target = load(&state, id).await?;
    superusers_only(
        &actor,
        changes.is_superuser.is_some() || target.is_superuser,
    )?;
    let deactivated = changes.is_active == Some(false);
    let logged = format!("{changes:?}");
    let user = state
        .db
        .run(move |conn| Ok(admin_users::update(conn, id, &changes)?))
        .await?
        .ok_or_else(|| AuthError::Api(ApiError::not_found()))?;
    let revoked = if deactivated {
        revoke(&state, id).await?
    } else {
        0
    };
    tracing::info!(
        actor_id = actor.id,
        actor = %actor.username,
        action = "update",
        target_id = id,
        changes = %logged,
        revoked,
        "admin: user updated"
    );
    Ok(json_response(StatusCode::OK, &user_json(&user)))
}

/// `DELETE /api/admin/users/{id}/`: 204; the user's tokens are revoked first, then the
/// row goes with Django's cascade (`db::admin_users::delete`). Not oneself: 400.
pub async fn delete(
    StaffUser(actor): StaffUser,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let id = target_id(&id)?;
    if id == actor.id {
        return Err(ApiError::detail(
            StatusCode::BAD_REQUEST,
            "You cannot delete your own account.",
        )
        .into());
    }
    let user = load(&state, id).await?;
    superusers_only(&actor, user.is_superuser)?;
    let revoked = revoke(&state, id).await?;
    let deleted = state
        .db
        .run(move |conn| Ok(admin_users::delete(conn, id)?))
        .await?;
    if !deleted {
        return Err(ApiError::not_found().into());
    }
    tracing::info!(
        actor_id = actor.id,
        actor = %actor.username,
        action = "delete",
        target_id = id,
        target = %user.username,
        revoked,
        "admin: user deleted"
    );
    Ok(HttpResponse::NoContent().finish())
}

/// `POST /api/admin/users/{id}/password/` `{"password": ...}`: validators, new hash, the
/// user's earlier tokens revoked. 200 `{"detail":"Password set."}`.
pub async fn set_password(
    StaffUser(actor): StaffUser,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let id = target_id(&id)?;
    let data = DrfData::read(&req, body).await?;
    let password = required_strings(&data, &["password"])?.concat();
    let user = load(&state, id).await?;
    superusers_only(&actor, user.is_superuser)?;
    let attributes = UserAttributes {
        username: &user.username,
        first_name: &user.first_name,
        last_name: &user.last_name,
        email: &user.email,
    };
    check_password_rules(&state, "password", &password, &attributes)?;
    let hash = hash(&state, password).await?;
    let revoked = state
        .db
        .run(move |conn| {
            if users::set_password(conn, id, &hash)? == 0 {
                return Ok(None);
            }
            Ok(Some(revocation::blacklist_user(conn, id)?))
        })
        .await?
        .ok_or_else(|| AuthError::Api(ApiError::not_found()))?;
    tracing::info!(
        actor_id = actor.id,
        actor = %actor.username,
        action = "set_password",
        target_id = id,
        revoked,
        "admin: password set; earlier tokens of the user revoked"
    );
    Ok(json_response(
        StatusCode::OK,
        &json!({"detail": "Password set."}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_as_drf_renders_them() {
        let at = |s| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap();
        assert_eq!(
            drf_datetime(at("2026-12-03 15:22:29.000")),
            "2026-12-03T15:22:29Z"
        );
        assert_eq!(
            drf_datetime(at("2026-12-03 15:22:29.012300")),
            "2026-12-03T15:22:29.012300Z"
        );
    }
}
