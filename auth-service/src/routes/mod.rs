//! The route table: every URL of the auth service, in one place.

mod blacklist;
pub mod jwks;
mod logout_all;
mod obtain;
mod openapi;
mod ready;
mod refresh;
mod revocations;
mod sliding;
mod table;
mod verify;
mod view;

use actix_web::web;
use shared::views::READY_PATH;

pub use table::{INTERNAL_PATHS, SLASHED_PATHS};
use table::{
    BLACKLIST, JWKS, OBTAIN_PAIR, OBTAIN_SLIDING, REFRESH, REFRESH_SLIDING, REVOCATIONS, SCHEMA,
    VERIFY,
};

/// The routes; `blacklist` is `TOKENPAIR__TOKEN_BLACKLIST` (logout-all needs it), `feed`
/// whether `TOKENPAIR__REVOCATION_SECRET` is set (the revocation feed).
pub fn config(cfg: &mut web::ServiceConfig, blacklist: bool, feed: bool) {
    cfg.configure(shared::views::health)
        .service(
            web::resource(READY_PATH)
                .name(READY_PATH)
                .route(web::get().to(ready::ready)),
        )
        .service(OBTAIN_PAIR.resource(web::post().to(obtain::obtain_pair)))
        .service(REFRESH.resource(web::post().to(refresh::refresh)))
        .service(VERIFY.resource(web::post().to(verify::verify)))
        .service(BLACKLIST.resource(web::post().to(blacklist::blacklist)))
        .service(OBTAIN_SLIDING.resource(web::post().to(obtain::obtain_sliding)))
        .service(REFRESH_SLIDING.resource(web::post().to(sliding::refresh_sliding)));
    if blacklist {
        cfg.service(logout_all::resource());
    }
    if feed {
        cfg.service(
            web::resource(REVOCATIONS)
                .name(REVOCATIONS)
                .route(web::get().to(revocations::revocations)),
        );
    }
}

/// The service's internal endpoints (beside the shared `/metrics` and `/api/docs/`):
/// on the main port, or alone on `TOKENPAIR__ADMIN_BIND` (`shared::app::Service`).
pub fn internal(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(JWKS)
            .name(JWKS)
            .route(web::get().to(jwks::jwks)),
    );
    cfg.service(
        web::resource(SCHEMA)
            .name(SCHEMA)
            .route(web::get().to(openapi::schema)),
    );
}
