//! Builds the HTTP server; tests start the real app on port 0.

use actix_web::{HttpResponse, ResponseError, web};
use shared::app::Service;
use shared::metrics::Metrics;
use shared::settings::{Settings, SettingsError};
use shared::tokens::TokenBackend;
use shared::{ApiError, Authenticator};
use std::net::TcpListener;

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

/// `check`: the token rules of the settings, keys decoded once (with `JWK_URL` there are none
/// to decode: they are fetched once serving).
pub fn verifier(settings: &Settings) -> Result<(), SettingsError> {
    if settings.jwt.jwk_url_verifies().is_some() {
        return Ok(());
    }
    TokenBackend::for_verifying(settings.jwt.clone()).map(drop)
}

/// Builds the protected service's HTTP server.
pub struct Application;

impl Application {
    pub fn build(settings: Settings, listener: TcpListener) -> Result<Service, String> {
        for warning in startup_warnings(&settings) {
            tracing::warn!("{warning}");
        }
        let metrics = web::Data::new(Metrics::new("protected-service").map_err(|e| e.to_string())?);
        // With JWK_URL this starts fetching the keys, with REVOCATION_URL following the feed;
        // the server starts at once, not ready (`/readyz` 503) until they are in.
        let authenticator = web::Data::new(Authenticator::from_settings(
            &settings,
            Some(metrics.registry()),
        )?);
        let demo_auth_url = settings.demo.auth_url.clone();
        let service = Service::start(
            &settings.server,
            &settings.cors,
            metrics,
            listener,
            move |cfg| {
                cfg.app_data(authenticator.clone())
                    .configure(|cfg| routes::config(cfg, demo_auth_url.as_deref()))
                    .default_service(web::to(not_found));
            },
            routes::internal,
        )
        .map_err(|e| e.to_string())?;
        Ok(service)
    }
}

async fn not_found() -> HttpResponse {
    ApiError::not_found().error_response()
}
