//! The route table of the protected service.

mod demo;
mod openapi;
mod table;

use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, ResponseError, web};
use shared::views::{READY_PATH, drf_headers, method_not_allowed, options_metadata};
use shared::{ApiError, Authenticator, TokenUser};
use table::{PROTECTED, SCHEMA};

/// `demo_auth_url`: `TOKENPAIR__DEMO_AUTH_URL`, which mounts `/demo/`.
pub fn config(cfg: &mut web::ServiceConfig, demo_auth_url: Option<&str>) {
    cfg.configure(|cfg| demo::config(cfg, demo_auth_url))
        .configure(shared::views::health)
        .service(
            web::resource(READY_PATH)
                .name(READY_PATH)
                .route(web::get().to(ready)),
        )
        .service(
            web::resource(PROTECTED.path)
                .name(PROTECTED.path)
                .wrap(drf_headers("GET, HEAD, OPTIONS"))
                .route(web::get().to(protected))
                .route(web::head().to(protected))
                .route(web::method(Method::OPTIONS).to(options))
                .default_service(web::to(other_method)),
        );
}

/// Ready once it can verify tokens: at once with a configured key (decoded before the server
/// starts), with `JWK_URL` once the first key set has been fetched, with a revocation feed
/// once its first snapshot is in (README "Revocation").
async fn ready(auth: web::Data<Authenticator>) -> HttpResponse {
    match auth.not_ready() {
        None => shared::views::ready(),
        Some(reason) => ApiError::detail(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("Not ready: {reason}"),
        )
        .error_response(),
    }
}

/// The service's internal endpoints (beside the shared `/metrics` and `/api/docs/`):
/// on the main port, or alone on `TOKENPAIR__ADMIN_BIND` (`shared::app::Service`).
pub fn internal(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(SCHEMA)
            .name(SCHEMA)
            .route(web::get().to(openapi::schema)),
    );
}

/// The tutorial's view: any valid access token will do.
async fn protected(_user: TokenUser) -> HttpResponse {
    // A constant body, rendered as DRF renders `{"content": ...}`: nothing to
    // serialise on the hottest route.
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, HeaderValue::from_static("application/json")))
        .body(r#"{"content":"This view is protected"}"#)
}

async fn options(_user: TokenUser) -> HttpResponse {
    options_metadata(PROTECTED.name, "", None)
}

/// DRF authenticates before it checks the method: no token → 401, token → 405.
async fn other_method(_user: TokenUser, req: actix_web::HttpRequest) -> HttpResponse {
    method_not_allowed(req.method())
}
