//! The route table: every URL of the auth service, in one place.

mod admin;
mod blacklist;
mod logout_all;
mod obtain;
mod openapi;
mod password_change;
mod ready;
mod refresh;
mod sliding;
mod table;
mod verify;
mod view;

use actix_web::web;
use shared::views::READY_PATH;

pub use table::SLASHED_PATHS;
use table::{BLACKLIST, OBTAIN_PAIR, OBTAIN_SLIDING, REFRESH, REFRESH_SLIDING, SCHEMA, VERIFY};

/// The routes; `blacklist` is `TOKENPAIR__TOKEN_BLACKLIST` (logout-all needs it),
/// `admin_api` is `TOKENPAIR__ADMIN_API`.
pub fn config(cfg: &mut web::ServiceConfig, blacklist: bool, admin_api: bool) {
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
    cfg.service(password_change::resource());
    if admin_api {
        cfg.configure(admin::config);
    }
    cfg.service(
        web::resource(SCHEMA)
            .name(SCHEMA)
            .route(web::get().to(openapi::schema)),
    );
}
