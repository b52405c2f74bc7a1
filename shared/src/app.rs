//! The HTTP server both services run, assembled once: workers, client limits and
//! timeouts, the middleware stack, `/metrics`, the listener and graceful shutdown.
//! Each service adds only its own app data, routes and default service.

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpServer, web};
use std::net::TcpListener;
use tracing_actix_web::TracingLogger;

use crate::metrics::Metrics;
use crate::settings::ServerSettings;
use crate::{middleware, server};

/// A service's HTTP server, bound and ready (it runs once awaited or spawned).
pub struct Service {
    port: u16,
    server: Server,
}

impl Service {
    /// Serve on `listener`: `routes` registers the service's app data, routes and
    /// default service (it runs once per worker), after the middleware and before
    /// the shared `/metrics` endpoint.
    pub fn start<F>(
        settings: &ServerSettings,
        metrics: web::Data<Metrics>,
        listener: TcpListener,
        routes: F,
    ) -> std::io::Result<Self>
    where
        F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
    {
        let port = listener.local_addr()?.port();
        // Per-request spans cost a random id and formatting on every request:
        // only when INFO logs are on (the default) is anyone reading them.
        let request_logs = tracing::enabled!(tracing::Level::INFO);
        let limits = middleware::ClientLimits::new(settings);
        let server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(middleware::finish))
                .wrap(Condition::new(request_logs, TracingLogger::default()))
                .app_data(limits)
                .app_data(metrics.clone())
                .configure(routes.clone())
                .configure(crate::metrics::endpoint)
        })
        .workers(settings.workers.max(1))
        .client_request_timeout(settings.client_head_timeout)
        .client_disconnect_timeout(middleware::CLIENT_DISCONNECT_TIMEOUT)
        // SIGTERM and Ctrl-C: stop accepting, let in-flight requests finish within
        // the grace (under compose's 10 s stop timeout), then return.
        .shutdown_signal(server::stop_signal())
        .shutdown_timeout(server::grace_secs(settings.shutdown_grace))
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    /// The port it listens on (tests bind port 0).
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
