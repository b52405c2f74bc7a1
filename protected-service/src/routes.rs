//! The route table of the protected service.

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use serde_json::json;
use shared::TokenUser;
use shared::errors::json_response;
use shared::views::{drf_headers, method_not_allowed, options_metadata};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.configure(shared::views::health).service(
        web::resource("/protected/")
            .wrap(drf_headers("GET, HEAD, OPTIONS"))
            .route(web::get().to(protected))
            .route(web::head().to(protected))
            .route(web::method(Method::OPTIONS).to(options))
            .default_service(web::to(other_method)),
    );
}

/// The tutorial's view: any valid access token will do.
async fn protected(_user: TokenUser) -> HttpResponse {
    json_response(
        StatusCode::OK,
        &json!({"content": "This view is protected"}),
    )
}

async fn options(_user: TokenUser) -> HttpResponse {
    options_metadata("Protected", "", None)
}

/// DRF authenticates before it checks the method: no token → 401, token → 405.
async fn other_method(_user: TokenUser, req: actix_web::HttpRequest) -> HttpResponse {
    method_not_allowed(req.method())
}
