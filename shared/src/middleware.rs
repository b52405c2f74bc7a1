//! What both services add around every answer, in one layer (each layer costs
//! a boxed call on the hottest path): Django's security headers, DRF's
//! `indent` rendering, and the request metrics.

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::web;
use serde_json::Value;
use std::time::Instant;

use crate::auth::format_param;
use crate::metrics::Metrics;
use crate::request::json_indent;
use crate::views::{latin1, render_indented};

/// The headers Django's default middleware (SecurityMiddleware,
/// XFrameOptionsMiddleware) puts on every answer; clients and scanners expect them.
/// Names and values built at compile time: nothing is parsed per answer.
const SECURITY_HEADERS: [(HeaderName, HeaderValue); 4] = [
    (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    (
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ),
    (
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    ),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    ),
];

/// `App::wrap(from_fn(finish))`.
pub async fn finish<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B, String>>, actix_web::Error> {
    let started = Instant::now();
    let indent = requested_indent(&req);
    let mut response = next.call(req).await?;

    // Like Django, the APPEND_SLASH redirect (answered by CommonMiddleware, which
    // sits above XFrameOptionsMiddleware) carries no X-Frame-Options.
    let redirect = response.status() == StatusCode::MOVED_PERMANENTLY;
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        let skip = headers.contains_key(&name) || (redirect && name == header::X_FRAME_OPTIONS);
        if !skip {
            headers.insert(name, value);
        }
    }

    if let Some(metrics) = response.request().app_data::<web::Data<Metrics>>() {
        // Resources are named after their path pattern: a label without allocating.
        let route = response.request().match_name().unwrap_or("unmatched");
        let method = response.request().method().as_str();
        metrics.observe(
            method,
            route,
            response.status(),
            started.elapsed().as_secs_f64(),
        );
    }

    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == b"application/json");
    match indent.filter(|_| is_json) {
        None => Ok(response.map_into_left_body()),
        Some(indent) => {
            let (request, response) = response.into_parts();
            let (head, body) = response.into_parts();
            let bytes = actix_web::body::to_bytes(body).await.unwrap_or_default();
            let pretty = match serde_json::from_slice::<Value>(&bytes) {
                Ok(value) => render_indented(&value, indent),
                Err(_) => String::from_utf8_lossy(&bytes).into_owned(),
            };
            Ok(ServiceResponse::new(request, head.set_body(pretty)).map_into_right_body())
        }
    }
}

/// DRF's `JSONRenderer` honours `Accept: application/json; indent=N`; checked
/// only when the header mentions it, so the others pay nothing.
fn requested_indent(req: &ServiceRequest) -> Option<usize> {
    let accept = req.headers().get(header::ACCEPT)?;
    if !accept.as_bytes().windows(6).any(|w| w == b"indent") {
        return None;
    }
    json_indent(
        Some(&latin1(accept.as_bytes())),
        format_param(req.request()).as_deref(),
    )
}
