//! The HTTP server both services run, assembled once: workers, client limits and
//! timeouts, the middleware stack, the internal endpoints (`/metrics`, the OpenAPI
//! document, the docs UI), the listeners and graceful shutdown.
//! Each service adds only its own app data, routes and default service.
//!
//! With `TOKENPAIR__ADMIN_BIND` the internal endpoints move to a second server on that
//! address, whose app has nothing else: the main port then answers them with the
//! service's ordinary 404. It is a server of its own (one worker) rather than a second
//! listener of the main one, so that a flood on the public port does not queue the
//! metrics scrape behind it, and no request has to ask which listener it came from.

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpResponse, HttpServer, ResponseError, web};
use std::net::{SocketAddr, TcpListener};
use tracing_actix_web::TracingLogger;

use crate::errors::ApiError;
use crate::metrics::Metrics;
use crate::settings::{CorsSettings, ServerSettings};
use crate::{cors, middleware, server};

/// A service's HTTP server, bound and ready (it runs once awaited or spawned).
pub struct Service {
    port: u16,
    server: Server,
    /// The internal endpoints' own server, with `TOKENPAIR__ADMIN_BIND`.
    admin: Option<(u16, Server)>,
}

impl Service {
    /// Serve on `listener`: `routes` registers the service's app data, routes and
    /// default service (it runs once per worker), after the middleware; `internal`
    /// registers the service's internal endpoints (its OpenAPI document) and the app
    /// data they need, served with the shared `/metrics` and `/api/docs/` on the main
    /// port, or on `settings.admin_bind` when set. With CORS origins (`cors`), the main
    /// port's answers carry CORS headers; without, CORS is not wrapped at all.
    pub fn start<F, G>(
        settings: &ServerSettings,
        cors: &CorsSettings,
        metrics: web::Data<Metrics>,
        listener: TcpListener,
        routes: F,
        internal: G,
    ) -> std::io::Result<Self>
    where
        F: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
        G: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
    {
        let port = listener.local_addr()?.port();
        let internal = move |cfg: &mut web::ServiceConfig| {
            cfg.configure(internal.clone())
                .configure(crate::metrics::endpoint)
                .configure(crate::docs::routes);
        };
        let admin = match settings.admin_bind {
            Some(address) => Some(admin_server(settings, &metrics, address, internal.clone())?),
            None => None,
        };
        let on_main_port = admin.is_none();
        // Per-request spans cost a random id and formatting on every request:
        // only when INFO logs are on (the default) is anyone reading them.
        let request_logs = tracing::enabled!(tracing::Level::INFO);
        let limits = middleware::ClientLimits::new(settings);
        // The same server with or without CORS. Without origins CORS is not in the path at
        // all (not even a pass-through `Condition`, which costs every request a layer); the two
        // apps differ in type, hence the macro rather than a branch inside the factory.
        macro_rules! serve {
            ($app:expr) => {
                HttpServer::new(move || {
                    let app = $app
                        .wrap(from_fn(middleware::finish))
                        .wrap(Condition::new(request_logs, TracingLogger::default()))
                        .app_data(limits)
                        .app_data(metrics.clone())
                        .configure(routes.clone());
                    if on_main_port {
                        app.configure(internal.clone())
                    } else {
                        app
                    }
                })
                .workers(settings.workers.max(1))
                .client_request_timeout(settings.client_head_timeout)
                .client_disconnect_timeout(middleware::CLIENT_DISCONNECT_TIMEOUT)
                // SIGTERM and Ctrl-C: stop accepting, let in-flight requests finish within
                // the grace (under compose's 10 s stop timeout), then return.
                .shutdown_signal(server::stop_signal())
                .shutdown_timeout(server::grace_secs(settings.shutdown_grace))
                .listen(listener)?
                .run()
            };
        }
        let server = if cors.enabled() {
            let cors = cors.clone();
            // Inside `finish`: its header limit comes first, and preflight answers get the
            // security headers and are counted like any other.
            serve!(
                App::new()
                    .wrap(cors::middleware(&cors))
                    .wrap(from_fn(cors::corrections))
            )
        } else {
            serve!(App::new())
        };
        Ok(Self {
            port,
            server,
            admin,
        })
    }

    /// The port it listens on (tests bind port 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the internal endpoints' listener, with `TOKENPAIR__ADMIN_BIND`
    /// (`127.0.0.1:0` in tests: this is where it went).
    pub fn admin_port(&self) -> Option<u16> {
        self.admin.as_ref().map(|(port, _)| *port)
    }

    /// Stops the server (tests, and the one-command stack on Ctrl-C); the internal
    /// endpoints' server stops with it (see [`Self::run_until_stopped`]).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Runs until stopped. Both servers get SIGTERM/Ctrl-C themselves, with the same
    /// grace; whichever stops first for another reason (a handle, a failure) takes
    /// the other down with it, gracefully, so neither outlives the other.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Some((_, admin)) = self.admin else {
            return self.server.await;
        };
        let (main_handle, admin_handle) = (self.server.handle(), admin.handle());
        let main = async {
            let result = self.server.await;
            admin_handle.stop(true).await;
            result
        };
        let admin = async {
            let result = admin.await;
            main_handle.stop(true).await;
            result
        };
        let (main, admin) = futures_util::future::join(main, admin).await;
        main.and(admin)
    }
}

/// The internal endpoints alone on `address`, with the main server's middleware (so
/// their requests are counted and logged as before) and limits, and one worker.
fn admin_server<G>(
    settings: &ServerSettings,
    metrics: &web::Data<Metrics>,
    address: SocketAddr,
    internal: G,
) -> std::io::Result<(u16, Server)>
where
    G: Fn(&mut web::ServiceConfig) + Clone + Send + 'static,
{
    let listener = TcpListener::bind(address).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot listen on {address} (TOKENPAIR__ADMIN_BIND): {e}"),
        )
    })?;
    let port = listener.local_addr()?.port();
    let request_logs = tracing::enabled!(tracing::Level::INFO);
    let limits = middleware::ClientLimits::new(settings);
    let metrics = metrics.clone();
    let server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(middleware::finish))
            .wrap(Condition::new(request_logs, TracingLogger::default()))
            .app_data(limits)
            .app_data(metrics.clone())
            .configure(internal.clone())
            .default_service(web::to(not_found))
    })
    .workers(1)
    .client_request_timeout(settings.client_head_timeout)
    .client_disconnect_timeout(middleware::CLIENT_DISCONNECT_TIMEOUT)
    .shutdown_signal(server::stop_signal_quietly())
    .shutdown_timeout(server::grace_secs(settings.shutdown_grace))
    .listen(listener)?
    .run();
    tracing::info!(address = %address, port, "internal endpoints (metrics, OpenAPI, docs) listening");
    Ok((port, server))
}

async fn not_found() -> HttpResponse {
    ApiError::not_found().error_response()
}
