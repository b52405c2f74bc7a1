//! The route table: every URL of the auth service, in one place.

mod admin;
mod blacklist;
mod browsable;
mod jwks;
mod logout_all;
mod obtain;
mod openapi;
mod password_change;
mod ready;
mod refresh;
mod revocations;
mod sliding;
mod table;
mod verify;
mod view;

use actix_web::web;
use shared::views::READY_PATH;

pub use table::INTERNAL_PATHS;
use table::{
    BLACKLIST, JWKS, OBTAIN_PAIR, OBTAIN_SLIDING, REFRESH, REFRESH_SLIDING, REVOCATIONS, SCHEMA,
    SLASHED_PATHS, VERIFY,
};

/// The routes; `blacklist` is `TOKENPAIR__TOKEN_BLACKLIST` (logout-all needs it), `feed`
/// whether `TOKENPAIR__REVOCATION_SECRET` is set (the revocation feed), `admin_api` is
/// `TOKENPAIR__ADMIN_API`.
pub fn config(cfg: &mut web::ServiceConfig, blacklist: bool, feed: bool, admin_api: bool) {
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
    cfg.service(password_change::resource());
    if admin_api {
        cfg.configure(admin::config);
    }
    // On the main port even with ADMIN_BIND: resource services and clients fetch it there.
    cfg.service(
        web::resource(JWKS)
            .name(JWKS)
            .route(web::get().to(jwks::jwks)),
    );
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

/// Whether `slashed` (a request path plus `/`) is served, for Django's APPEND_SLASH
/// redirect: a fixed path, or (when mounted) an admin API path, whose `{id}` segment is
/// any segment as the route's is.
pub fn is_slashed_route(slashed: &str, admin_api: bool) -> bool {
    if SLASHED_PATHS.contains(&slashed) {
        return true;
    }
    if !admin_api {
        return false;
    }
    let Some(rest) = slashed.strip_prefix(table::ADMIN_USERS) else {
        return false;
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let rest = rest.strip_suffix("/password").unwrap_or(rest);
    rest.is_empty() || !rest.contains('/')
}

#[cfg(test)]
mod tests {
    use super::is_slashed_route;

    #[test]
    fn append_slash_knows_the_admin_paths() {
        assert!(is_slashed_route("/api/token/", false));
        for path in [
            "/api/admin/users/",
            "/api/admin/users/7/",
            "/api/admin/users/7/password/",
        ] {
            assert!(is_slashed_route(path, true), "{path}");
            assert!(!is_slashed_route(path, false), "{path}");
        }
        assert!(!is_slashed_route("/api/admin/users/7/other/", true));
        assert!(!is_slashed_route("/api/admin/users/7/password/x/", true));
        assert!(!is_slashed_route("/api/admin/", true));
    }
}
