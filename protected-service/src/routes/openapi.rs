//! `GET /api/schema/`: an OpenAPI 3.1 description built from the route table
//! itself, so it cannot drift from what is served.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use serde_json::{Value, json};
use shared::errors::json_response;

use super::table::{PROTECTED, SCHEMA as PATH};

pub async fn schema() -> HttpResponse {
    json_response(StatusCode::OK, &document())
}

pub fn document() -> Value {
    let unauthorized = json!({"description": "No token, or a token refused (with `WWW-Authenticate`)",
        "content": {"application/json": {"schema": {"type": "object", "required": ["detail"], "properties": {
            "detail": {"type": "string"}, "code": {"type": "string"},
            "messages": {"type": "array", "items": {"type": "object"}}}}}}});
    let mut paths = serde_json::Map::new();
    paths.insert(
        PROTECTED.path.into(),
        json!({"get": {
            "summary": PROTECTED.name,
            "security": [{"bearer": []}],
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"content": {"type": "string"}}}}}},
                "401": unauthorized,
                "406": {"description": "Unsatisfiable Accept header"},
            },
        }}),
    );
    paths.insert(
        "/healthz".into(),
        json!({"get": {"summary": "Health", "responses": {"200": {"description": "Up"}}}}),
    );
    paths.insert(
        shared::views::READY_PATH.into(),
        json!({"get": {"summary": "Readiness", "responses": {"200": {"description": "Ready: the keys are loaded"}}}}),
    );
    paths.insert(
        shared::metrics::PATH.into(),
        json!({"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "Text exposition format"}}}}),
    );
    paths.insert(
        PATH.into(),
        json!({"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1"}}}}),
    );
    paths.insert(
        shared::docs::PATH.into(),
        json!({"get": {"summary": "API documentation", "description": shared::docs::DESCRIPTION,
            "responses": {"200": {"description": "Swagger UI, served by this service"}}}}),
    );
    json!({
        "openapi": "3.1.0",
        "info": {"title": "tokenpair protected-service", "version": env!("CARGO_PKG_VERSION"),
            "description": "Verifies simplejwt access tokens locally with the shared key; no database."},
        "paths": paths,
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
    })
}
