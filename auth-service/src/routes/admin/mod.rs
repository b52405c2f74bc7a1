//! The staff-only user administration API (ours; Django has the HTML admin, no JSON API):
//! `/api/admin/users/` and below. Every view takes a [`staff::StaffUser`]: 401 without a
//! token, 403 for anyone but an active staff user, before the method is looked at (DRF's
//! order). Unmounted (404) when `TOKENPAIR__ADMIN_API` is false.

mod fields;
mod paging;
mod staff;
mod users;

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};

use super::table::{ADMIN_USER, ADMIN_USER_PASSWORD, ADMIN_USERS};
use staff::StaffUser;

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(ADMIN_USERS)
            .name(ADMIN_USERS)
            .wrap(shared::views::drf_headers("GET, POST, OPTIONS"))
            .route(web::get().to(users::list))
            .route(web::post().to(users::create))
            .default_service(web::to(other_method)),
    )
    .service(
        web::resource(ADMIN_USER)
            .name(ADMIN_USER)
            .wrap(shared::views::drf_headers(
                "GET, PATCH, DELETE, HEAD, OPTIONS",
            ))
            .route(web::get().to(users::read))
            .route(web::patch().to(users::update))
            .route(web::delete().to(users::delete))
            .default_service(web::to(other_method)),
    )
    .service(
        web::resource(ADMIN_USER_PASSWORD)
            .name(ADMIN_USER_PASSWORD)
            .wrap(shared::views::drf_headers("POST, OPTIONS"))
            .route(web::post().to(users::set_password))
            .default_service(web::to(other_method)),
    );
}

/// Any other method: authenticated and permitted first, then DRF's 405 (or the OPTIONS
/// metadata).
async fn other_method(_staff: StaffUser, req: HttpRequest) -> HttpResponse {
    if req.method() == Method::OPTIONS {
        return shared::views::options_metadata(
            "User Administration",
            "Staff-only user administration (tokenpair).",
            None,
        );
    }
    shared::views::method_not_allowed(req.method())
}
