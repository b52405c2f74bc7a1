//! Builds the HTTP server from settings. Tests start the real app on port 0
//! through [`Application::build`].

use actix_web::dev::{Server, ServerHandle};
use actix_web::http::header;
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use shared::ApiError;
use std::net::TcpListener;
use tracing_actix_web::TracingLogger;

use crate::routes;
use crate::state::{AppState, StartupError};

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Connect the database, decode the keys and start serving on `listener`
    /// (the server runs once the returned value is awaited or spawned).
    pub fn build(settings: shared::Settings, listener: TcpListener) -> Result<Self, StartupError> {
        for warning in &settings.warnings {
            tracing::warn!("{warning}");
        }
        let workers = settings.tokenpair.workers.max(1);
        let grace = settings.tokenpair.shutdown_grace;
        let state = AppState::new(settings)?;
        log_database(&state);
        let port = listener.local_addr()?.port();
        let authenticator = web::Data::new(state.authenticator());
        let blacklist = state.settings.tokenpair.token_blacklist;
        let metrics = state.metrics.clone();
        let state = web::Data::new(state);
        // Per-request spans cost a random id and formatting on every request:
        // only when INFO logs are on (the default) is anyone reading them.
        let request_logs = tracing::enabled!(tracing::Level::INFO);
        let limits = shared::middleware::ClientLimits::new(&state.settings.tokenpair);
        let head_timeout = state.settings.tokenpair.client_head_timeout;
        let body_limit = drf_parsers::BodyLimit(state.settings.tokenpair.max_body_bytes);
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(shared::middleware::finish))
                .wrap(Condition::new(request_logs, TracingLogger::default()))
                .app_data(limits)
                .app_data(body_limit)
                .app_data(metrics.clone())
                .app_data(state.clone())
                .app_data(authenticator.clone())
                .configure(|cfg| routes::config(cfg, blacklist))
                .configure(shared::metrics::endpoint)
                .default_service(web::to(not_found))
        })
        .workers(workers)
        .client_request_timeout(head_timeout)
        .client_disconnect_timeout(shared::middleware::CLIENT_DISCONNECT_TIMEOUT)
        // SIGTERM and Ctrl-C: stop accepting, let in-flight requests finish within
        // the grace (under compose's 10 s stop timeout), then return.
        .shutdown_signal(shared::server::stop_signal())
        .shutdown_timeout(shared::server::grace_secs(grace))
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server (tests, and the one-command stack on Ctrl-C).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

fn log_database(state: &AppState) {
    match state.settings.database_url_redacted() {
        Some(url) => tracing::info!(database = %url, "database"),
        None => tracing::info!(
            database = crate::db::DEFAULT_SQLITE_FILE,
            "database (embedded SQLite)"
        ),
    }
}

/// Unknown URLs: 404, except Django's APPEND_SLASH redirect to a known URL.
async fn not_found(req: HttpRequest) -> HttpResponse {
    let slashed = format!("{}/", req.path());
    if routes::SLASHED_PATHS.contains(&slashed.as_str()) {
        let location = match req.query_string() {
            "" => slashed,
            q => format!("{slashed}?{q}"),
        };
        return HttpResponse::MovedPermanently()
            .insert_header((header::LOCATION, location))
            .content_type("text/html; charset=utf-8")
            .finish();
    }
    actix_web::ResponseError::error_response(&ApiError::not_found())
}
