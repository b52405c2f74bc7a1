//! `GET /api/schema/`: an OpenAPI 3.1 description built from the route table
//! itself, so it cannot drift from what is served.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};
use shared::errors::json_response;

use super::table::TokenView;
use super::table::{
    ADMIN_USER, ADMIN_USER_PASSWORD, ADMIN_USERS, JWKS, LOGOUT_ALL, PASSWORD_CHANGE, REVOCATIONS,
    SCHEMA as PATH, TOKEN_VIEWS,
};
use crate::state::AppState;

pub async fn schema(state: web::Data<AppState>) -> HttpResponse {
    json_response(
        StatusCode::OK,
        &document(
            state.settings.revocation.token_blacklist,
            state.settings.feed.secret.is_some(),
            state.settings.accounts.admin_api,
        ),
    )
}

fn error(description: &str, schema: &str) -> Value {
    json!({"description": description,
        "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
}

fn strings(names: &[&str]) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for name in names {
        let field = name.trim_end_matches('?');
        properties.insert(field.into(), json!({"type": "string"}));
        if !name.ends_with('?') {
            required.push(Value::from(field));
        }
    }
    json!({"type": "object", "properties": properties, "required": required})
}

fn token_view(view: &TokenView) -> Value {
    let fields: Vec<&str> = view.fields.iter().map(|(name, _)| *name).collect();
    let body = strings(&fields);
    json!({"post": {
        "summary": view.name,
        "description": view.description,
        "requestBody": {"required": true, "content": {
            "application/json": {"schema": body},
            "application/x-www-form-urlencoded": {"schema": body},
            "multipart/form-data": {"schema": body},
        }},
        "responses": {
            "200": {"description": "OK", "content": {"application/json": {"schema": strings(view.returns)}}},
            "400": error("Invalid fields (DRF field errors) or a malformed body", "FieldErrors"),
            "401": error("Bad credentials or token, with `WWW-Authenticate`", "TokenError"),
            "405": error("Method not allowed", "Detail"),
            "413": error("Body over MAX_BODY_BYTES", "Detail"),
            "415": error("Unsupported Content-Type", "Detail"),
            "503": error("Hashing queue full or database unavailable: retry", "Detail"),
        },
    }})
}

fn logout_all() -> Value {
    json!({"post": {
        "summary": "Logout All",
        "description": "Revokes every refresh token of the user the access token authenticates (tokenpair; not in simplejwt).",
        "security": [{"bearer": []}],
        "responses": {
            "200": {"description": "Revoked", "content": {"application/json": {"schema": {"type": "object"}}}},
            "401": error("No or bad token, unknown or inactive user", "TokenError"),
        },
    }})
}

fn revocations() -> Value {
    json!({"get": {
        "summary": "Revocation feed",
        "description": "For resource services (`Authorization: Bearer <TOKENPAIR__REVOCATION_SECRET>`): revocations after `after` (0: the snapshot), held up to `wait` seconds (at most 25) until one arrives. docs/revocation.md.",
        "parameters": [
            {"name": "after", "in": "query", "schema": {"type": "integer", "minimum": 0}},
            {"name": "wait", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 25}},
        ],
        "responses": {
            "200": {"description": "A page", "content": {"application/json": {"schema": {"type": "object",
                "required": ["cursor", "more", "keep", "events"], "properties": {
                    "cursor": {"type": "integer"}, "more": {"type": "boolean"}, "keep": {"type": "integer"},
                    "events": {"type": "array", "items": {"type": "array", "prefixItems": [
                        {"enum": ["u", "t"]}, {"type": "string"}, {"type": "integer"}]}}}}}}},
            "400": error("`after` or `wait` not an integer", "FieldErrors"),
            "401": error("No or wrong feed secret", "Detail"),
        },
    }})
}

fn body(schema: &Value) -> Value {
    json!({"required": true, "content": {
        "application/json": {"schema": schema},
        "application/x-www-form-urlencoded": {"schema": schema},
        "multipart/form-data": {"schema": schema},
    }})
}

fn password_change() -> Value {
    json!({"post": {
        "summary": "Password Change",
        "description": "Changes the authenticated user's password (Django's validators apply) and revokes every earlier token of the user (tokenpair). A wrong old password counts as a failed login in the login throttle.",
        "security": [{"bearer": []}],
        "requestBody": body(&strings(&["old_password", "new_password"])),
        "responses": {
            "200": {"description": "Changed", "content": {"application/json": {"schema": strings(&["detail"])}}},
            "400": error("Missing fields, wrong old password, or a password the validators refuse", "FieldErrors"),
            "401": error("No or bad token, unknown or inactive user", "TokenError"),
            "429": error("Too many wrong old passwords (the login throttle)", "Detail"),
            "503": error("Hashing queue full or database unavailable: retry", "Detail"),
        },
    }})
}

/// The admin API's answers for a non-staff caller and a missing token.
fn staff_only(mut responses: Value) -> Value {
    if let Some(map) = responses.as_object_mut() {
        map.insert("401".into(), error("No or bad token", "TokenError"));
        map.insert(
            "403".into(),
            error(
                "Not an active staff user, or a superuser-only action by a staff user who is not one",
                "Detail",
            ),
        );
    }
    responses
}

fn user_ref() -> Value {
    json!({"description": "The user", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AdminUser"}}}})
}

fn admin_paths(paths: &mut Map<String, Value>) {
    let id = json!([{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}]);
    let fields = json!({"type": "object", "properties": {
        "username": {"type": "string"}, "password": {"type": "string"},
        "email": {"type": "string"}, "first_name": {"type": "string"}, "last_name": {"type": "string"},
        "is_active": {"type": "boolean"}, "is_staff": {"type": "boolean"}, "is_superuser": {"type": "boolean"},
    }, "required": ["username"]});
    let changes = json!({"type": "object", "properties": {
        "email": {"type": "string"}, "first_name": {"type": "string"}, "last_name": {"type": "string"},
        "is_active": {"type": "boolean"}, "is_staff": {"type": "boolean"}, "is_superuser": {"type": "boolean"},
    }});
    let page = json!({"type": "object", "required": ["count", "next", "previous", "results"], "properties": {
        "count": {"type": "integer"},
        "next": {"type": ["string", "null"]}, "previous": {"type": ["string", "null"]},
        "results": {"type": "array", "items": {"$ref": "#/components/schemas/AdminUser"}},
    }});
    let query = |name: &str, kind: &str| json!({"name": name, "in": "query", "required": false, "schema": {"type": kind}});
    paths.insert(ADMIN_USERS.into(), json!({
        "get": {"summary": "List users", "security": [{"bearer": []}],
            "description": "Staff only. DRF's PageNumberPagination (page_size default 50, at most 500) and SearchFilter (icontains on username, email, first and last name), by id.",
            "parameters": [query("page", "string"), query("page_size", "integer"), query("search", "string")],
            "responses": staff_only(json!({
                "200": {"description": "A page", "content": {"application/json": {"schema": page}}},
                "404": error("Invalid page.", "Detail")}))},
        "post": {"summary": "Create a user", "security": [{"bearer": []}],
            "description": "Staff only. Without a password the user gets an unusable one (Django's set_unusable_password).",
            "requestBody": body(&fields),
            "responses": staff_only(json!({"201": user_ref(),
                "400": error("Invalid fields, a taken username, or a password the validators refuse", "FieldErrors")}))},
    }));
    paths.insert(ADMIN_USER.into(), json!({
        "get": {"summary": "Read a user", "security": [{"bearer": []}],
            "responses": staff_only(json!({"200": user_ref(), "404": error("No such user", "Detail")}))},
        "patch": {"summary": "Update a user", "security": [{"bearer": []}],
            "description": "Staff only. Deactivating a user revokes their tokens.",
            "requestBody": body(&changes),
            "responses": staff_only(json!({"200": user_ref(), "400": error("Invalid fields", "FieldErrors"),
                "404": error("No such user", "Detail")}))},
        "delete": {"summary": "Delete a user", "security": [{"bearer": []}],
            "description": "Staff only. Django's cascade: group and permission links (and django_admin_log rows) deleted, simplejwt's outstanding tokens kept with user_id NULL; the user's tokens are revoked.",
            "responses": staff_only(json!({"204": {"description": "Deleted"},
                "400": error("A staff user cannot delete themselves", "Detail"),
                "404": error("No such user", "Detail")}))},
        "parameters": id.clone(),
    }));
    paths.insert(ADMIN_USER_PASSWORD.into(), json!({
        "post": {"summary": "Set a user's password", "security": [{"bearer": []}],
            "description": "Staff only. Django's validators apply; the user's earlier tokens are revoked.",
            "requestBody": body(&strings(&["password"])),
            "responses": staff_only(json!({
                "200": {"description": "Set", "content": {"application/json": {"schema": strings(&["detail"])}}},
                "400": error("Missing password or one the validators refuse", "FieldErrors"),
                "404": error("No such user", "Detail")}))},
        "parameters": id,
    }));
}

/// The document; `blacklist` is `TOKENPAIR__TOKEN_BLACKLIST`, without which
/// logout-all is not served (see [`super::config`]) and so not listed; `feed`: the
/// revocation feed is served (`TOKENPAIR__REVOCATION_SECRET`); `admin_api` is
/// `TOKENPAIR__ADMIN_API`.
pub fn document(blacklist: bool, feed: bool, admin_api: bool) -> Value {
    let mut paths = Map::new();
    for view in TOKEN_VIEWS {
        paths.insert(view.path.into(), token_view(view));
    }
    if blacklist {
        paths.insert(LOGOUT_ALL.into(), logout_all());
    }
    paths.insert(JWKS.into(), json!({"get": {"summary": "JSON Web Key Set",
        "description": "The public keys tokens verify with (RFC 7517): the current signing key first, then TOKENPAIR__PREVIOUS_VERIFYING_KEYS; each with kid (RFC 7638 thumbprint), alg and use. Empty for HMAC algorithms. Cache-Control: public, max-age=300.",
        "responses": {"200": {"description": "JWK Set", "content": {"application/json": {"schema": {"type": "object", "required": ["keys"],
            "properties": {"keys": {"type": "array", "items": {"type": "object", "required": ["kty", "kid", "alg", "use"]}}}}}}}}}}));
    if feed {
        paths.insert(REVOCATIONS.into(), revocations());
    }
    paths.insert(PASSWORD_CHANGE.into(), password_change());
    if admin_api {
        admin_paths(&mut paths);
    }
    paths.insert("/healthz".into(), json!({"get": {"summary": "Health",
        "responses": {"200": {"description": "Up", "content": {"application/json": {"schema": strings(&["status"])}}}}}}));
    paths.insert(shared::views::READY_PATH.into(), json!({"get": {"summary": "Readiness",
        "description": "Ready when the database answers within DB_POOL_TIMEOUT and is migrated to this build.",
        "responses": {"200": {"description": "Ready", "content": {"application/json": {"schema": strings(&["status"])}}},
            "503": error("Not ready, and why", "Detail")}}}));
    paths.insert(shared::metrics::PATH.into(), json!({"get": {"summary": "Prometheus metrics",
        "responses": {"200": {"description": "Text exposition format", "content": {"text/plain": {}}}}}}));
    paths.insert(PATH.into(), json!({"get": {"summary": "This document",
        "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}}}}));
    paths.insert(shared::docs::PATH.into(), json!({"get": {"summary": "API documentation",
        "description": shared::docs::DESCRIPTION,
        "responses": {"200": {"description": "Swagger UI, served by this service", "content": {"text/html": {}}}}}}));
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "tokenpair auth-service",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "simplejwt-compatible token endpoints. Every 401 carries `WWW-Authenticate: Bearer realm=\"api\"` (the first AUTH_HEADER_TYPES entry).",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": {
                "Detail": strings(&["detail"]),
                "TokenError": {"type": "object", "required": ["detail"], "properties": {
                    "detail": {"type": "string"},
                    "code": {"type": "string", "enum": ["token_not_valid", "bad_authorization_header", "user_not_found", "user_inactive", "password_changed"]},
                    "messages": {"type": "array", "items": strings(&["token_class", "token_type", "message"])},
                }},
                "AdminUser": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "username": {"type": "string"}, "email": {"type": "string"},
                    "first_name": {"type": "string"}, "last_name": {"type": "string"},
                    "is_active": {"type": "boolean"}, "is_staff": {"type": "boolean"}, "is_superuser": {"type": "boolean"},
                    "date_joined": {"type": "string", "format": "date-time"},
                    "last_login": {"type": ["string", "null"], "format": "date-time"},
                }},
                "FieldErrors": {"type": "object", "additionalProperties": {"oneOf": [
                    {"type": "array", "items": {"type": "string"}}, {"type": "string"}]}},
            },
        },
    })
}
