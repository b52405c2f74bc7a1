//! Builds the HTTP server from settings. Tests start the real app on port 0
//! through [`Application::build`].

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use shared::ApiError;
use shared::app::Service;
use std::net::TcpListener;

use crate::feed_watch::FeedWatch;
use crate::routes;
use crate::settings::AuthSettings;
use crate::state::{AppState, StartupError};

/// Builds the auth service's HTTP server.
pub struct Application;

impl Application {
    /// Connect the database, decode the keys and start serving on `listener`
    /// (the server runs once the returned value is awaited or spawned).
    pub fn build(settings: AuthSettings, listener: TcpListener) -> Result<Service, StartupError> {
        for warning in &settings.warnings {
            tracing::warn!("{warning}");
        }
        let mut state = AppState::new(settings)?;
        if state.settings.feed.secret.is_some() {
            let keep = shared::revocation::keep_secs(&state.settings.jwt) as i64;
            state.feed = Some(FeedWatch::start(state.db.clone(), keep));
        }
        log_database(&state);
        let authenticator = web::Data::new(state.authenticator());
        let blacklist = state.settings.revocation.token_blacklist;
        let feed = state.feed.is_some();
        let admin_api = state.settings.accounts.admin_api;
        let body_limit = drf_parsers::BodyLimit(state.settings.requests.max_body_bytes);
        let metrics = state.metrics.clone();
        let state = web::Data::new(state);
        let app_state = state.clone();
        let internal_state = state.clone();
        let internal_elsewhere = state.settings.server.admin_bind.is_some();
        let service = Service::start(
            &state.settings.server,
            &state.settings.cors,
            metrics,
            listener,
            move |cfg| {
                cfg.app_data(app_state.clone())
                    .app_data(body_limit)
                    .app_data(authenticator.clone())
                    .configure(|cfg| routes::config(cfg, blacklist, feed, admin_api))
                    .default_service(web::to(move |req| not_found(req, internal_elsewhere)));
            },
            move |cfg| {
                cfg.app_data(internal_state.clone())
                    .configure(routes::internal);
            },
        )?;
        Ok(service)
    }
}

fn log_database(state: &AppState) {
    match state.settings.database.url_redacted() {
        Some(url) => tracing::info!(database = %url, "database"),
        None => tracing::info!(
            database = crate::db::DEFAULT_SQLITE_FILE,
            "database (embedded SQLite)"
        ),
    }
}

/// Unknown URLs: 404, except Django's APPEND_SLASH redirect to a known URL (one served
/// here: not the internal endpoints when they are on `TOKENPAIR__ADMIN_BIND`).
async fn not_found(req: HttpRequest, internal_elsewhere: bool) -> HttpResponse {
    let slashed = format!("{}/", req.path());
    let admin_api = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.settings.accounts.admin_api);
    let elsewhere = internal_elsewhere && routes::INTERNAL_PATHS.contains(&slashed.as_str());
    if routes::is_slashed_route(&slashed, admin_api) && !elsewhere {
        let location = match req.query_string() {
            "" => slashed.to_owned(),
            q => format!("{slashed}?{q}"),
        };
        return HttpResponse::MovedPermanently()
            .insert_header((header::LOCATION, location))
            .content_type("text/html; charset=utf-8")
            .finish();
    }
    actix_web::ResponseError::error_response(&ApiError::not_found())
}
