//! The route table of the protected service.

use actix_web::http::header::CONTENT_TYPE;
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use serde_json::json;
use shared::TokenUser;
use shared::errors::json_response;
use shared::views::{drf_headers, method_not_allowed, options_metadata};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.configure(shared::views::health)
        .service(
            web::resource("/api/schema/")
                .name("/api/schema/")
                .route(web::get().to(schema)),
        )
        .service(
            web::resource("/protected/")
                .name("/protected/")
                .wrap(drf_headers("GET, HEAD, OPTIONS"))
                .route(web::get().to(protected))
                .route(web::head().to(protected))
                .route(web::method(Method::OPTIONS).to(options))
                .default_service(web::to(other_method)),
        );
}

/// The tutorial's view: any valid access token will do.
async fn protected(_user: TokenUser) -> HttpResponse {
    // A constant body, rendered as DRF renders `{"content": ...}`: nothing to
    // serialise on the hottest route.
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "application/json"))
        .body(r#"{"content":"This view is protected"}"#)
}

async fn options(_user: TokenUser) -> HttpResponse {
    options_metadata("Protected", "", None)
}

/// DRF authenticates before it checks the method: no token → 401, token → 405.
async fn other_method(_user: TokenUser, req: actix_web::HttpRequest) -> HttpResponse {
    method_not_allowed(req.method())
}

/// `GET /api/schema/`: OpenAPI 3.1 for this service.
async fn schema() -> HttpResponse {
    let unauthorized = json!({"description": "No token, or a token refused (with `WWW-Authenticate`)",
        "content": {"application/json": {"schema": {"type": "object", "required": ["detail"], "properties": {
            "detail": {"type": "string"}, "code": {"type": "string"},
            "messages": {"type": "array", "items": {"type": "object"}}}}}}});
    let document = json!({
        "openapi": "3.1.0",
        "info": {"title": "tokenpair protected-service", "version": env!("CARGO_PKG_VERSION"),
            "description": "Verifies simplejwt access tokens locally with the shared key; no database."},
        "paths": {
            "/protected/": {"get": {
                "summary": "Protected",
                "security": [{"bearer": []}],
                "responses": {
                    "200": {"description": "OK", "content": {"application/json": {"schema": {
                        "type": "object", "properties": {"content": {"type": "string"}}}}}},
                    "401": unauthorized,
                    "406": {"description": "Unsatisfiable Accept header"},
                },
            }},
            "/healthz": {"get": {"summary": "Health", "responses": {"200": {"description": "Up"}}}},
            "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "Text exposition format"}}}},
            "/api/schema/": {"get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
    });
    json_response(StatusCode::OK, &document)
}
