//! The route table: every URL of the auth service, in one place.

mod obtain;
mod refresh;
mod view;

use actix_web::web;

use view::TokenView;

/// simplejwt's views at the URLs of its documentation.
pub const OBTAIN_PAIR: TokenView = TokenView {
    path: "/api/token/",
    name: "Token Obtain Pair",
    description: "Takes a set of user credentials and returns an access and refresh JSON web\ntoken pair to prove the authentication of those credentials.",
    fields: &[("username", "Username"), ("password", "Password")],
    read_only: &[],
};

pub const REFRESH: TokenView = TokenView {
    path: "/api/token/refresh/",
    name: "Token Refresh",
    description: "Takes a refresh type JSON web token and returns an access type JSON web\ntoken if the refresh token is valid.",
    fields: &[("refresh", "Refresh")],
    read_only: &[("access", "Access")],
};

pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.configure(shared::views::health)
        .service(OBTAIN_PAIR.resource(web::post().to(obtain::obtain_pair)))
        .service(REFRESH.resource(web::post().to(refresh::refresh)));
}

/// Paths that exist with a trailing slash, for Django's APPEND_SLASH redirect.
pub const SLASHED_PATHS: &[&str] = &[OBTAIN_PAIR.path, REFRESH.path];
