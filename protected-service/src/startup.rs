//! Builds the HTTP server; tests start the real app on port 0.

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpResponse, HttpServer, ResponseError, web};
use shared::metrics::Metrics;
use shared::settings::{Settings, SettingsError};
use shared::tokens::TokenBackend;
use shared::{ApiError, Authenticator};
use std::net::TcpListener;
use std::sync::Arc;
use tracing_actix_web::TracingLogger;

use crate::routes;

/// Settings simplejwt applies with a database; this service has none.
const NEEDS_DATABASE: &[&str] = &[
    "SIMPLE_JWT.CHECK_USER_IS_ACTIVE",
    "SIMPLE_JWT.CHECK_REVOKE_TOKEN",
    "SIMPLE_JWT.UPDATE_LAST_LOGIN",
    "SIMPLE_JWT.ROTATE_REFRESH_TOKENS",
    "SIMPLE_JWT.BLACKLIST_AFTER_ROTATION",
];

/// The warnings to log at start-up: settings that do not apply to a stateless service.
pub fn startup_warnings(settings: &Settings) -> Vec<String> {
    let mut warnings = settings.warnings.clone();
    for key in NEEDS_DATABASE {
        if settings.is_explicit(key) {
            warnings.push(format!(
                "{key} is ignored by protected-service: it verifies tokens without a database"
            ));
        }
    }
    warnings
}

/// The token rules of the settings, keys decoded once.
pub fn verifier(settings: &Settings) -> Result<TokenBackend, SettingsError> {
    TokenBackend::for_verifying(settings.jwt.clone())
}

pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    pub fn build(settings: Settings, listener: TcpListener) -> Result<Self, String> {
        for warning in startup_warnings(&settings) {
            tracing::warn!("{warning}");
        }
        let backend = Arc::new(verifier(&settings).map_err(|e| e.0)?);
        let authenticator = web::Data::new(Authenticator::new(backend));
        let metrics = web::Data::new(Metrics::new("protected-service").map_err(|e| e.to_string())?);
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let workers = settings.server.workers.max(1);
        let grace = settings.server.shutdown_grace;
        // Per-request spans cost a random id and formatting on every request:
        // only when INFO logs are on (the default) is anyone reading them.
        let request_logs = tracing::enabled!(tracing::Level::INFO);
        let limits = shared::middleware::ClientLimits::new(&settings.server);
        let head_timeout = settings.server.client_head_timeout;
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(shared::middleware::finish))
                .wrap(Condition::new(request_logs, TracingLogger::default()))
                .app_data(limits)
                .app_data(authenticator.clone())
                .app_data(metrics.clone())
                .configure(routes::config)
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
        .listen(listener)
        .map_err(|e| e.to_string())?
        .run();
        Ok(Self { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

async fn not_found() -> HttpResponse {
    ApiError::not_found().error_response()
}
