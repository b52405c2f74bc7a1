//! CORS (`TOKENPAIR__CORS_*`, django-cors-headers' names and defaults) with actix-cors, for
//! browser clients served from another origin. `app::Service` wraps it only when origins are
//! configured. actix-cors answers preflights (`OPTIONS` with `Access-Control-Request-Method`)
//! itself, before routing, so DRF's `OPTIONS` metadata views still answer the other `OPTIONS`.

use actix_cors::{Cors, CorsError};
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{Error, ResponseError};

use crate::errors::ApiError;
use crate::settings::CorsSettings;

/// django-cors-headers' `CORS_ALLOW_METHODS`.
const METHODS: [Method; 6] = [
    Method::DELETE,
    Method::GET,
    Method::OPTIONS,
    Method::PATCH,
    Method::POST,
    Method::PUT,
];

/// django-cors-headers' `CORS_ALLOW_HEADERS` (v4).
const HEADERS: [&str; 6] = [
    "accept",
    "authorization",
    "content-type",
    "user-agent",
    "x-csrftoken",
    "x-requested-with",
];

/// The middleware for `settings` (one per worker: actix-cors is not `Send`). The origins were
/// checked when the settings were loaded, so actix-cors accepts them all.
pub fn middleware(settings: &CorsSettings) -> Cors {
    let cors = settings
        .allowed_origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(METHODS)
        .allowed_headers(HEADERS)
        .max_age(usize::try_from(settings.preflight_max_age.as_secs()).unwrap_or(usize::MAX));
    if settings.allow_credentials {
        cors.supports_credentials()
    } else {
        cors
    }
}

/// Around the CORS middleware, two corrections. A refused preflight as DRF would write an
/// error: `400 {"detail": "..."}` in JSON, where actix-cors answers in plain text (`Origin is
/// not allowed to make this request`). And an answer to an origin not allowed carries no CORS
/// header at all, as with django-cors-headers, where actix-cors still adds
/// `Access-Control-Allow-Credentials`.
pub async fn corrections(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let mut response = next.call(req).await?;
    let refused = response
        .response()
        .error()
        .and_then(|e| e.as_error::<CorsError>())
        .map(|e| format!("CORS request refused: {e}."));
    if let Some(detail) = refused {
        let (req, _) = response.into_parts();
        let body = ApiError::detail(StatusCode::BAD_REQUEST, detail).error_response();
        return Ok(ServiceResponse::new(req, body).map_into_right_body());
    }
    let headers = response.headers_mut();
    if !headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
        headers.remove(header::ACCESS_CONTROL_ALLOW_CREDENTIALS);
    }
    Ok(response.map_into_left_body())
}
