//! What every DRF `APIView` adds around its handler: the `Allow` and `Vary`
//! headers, 405 for other methods, and the `OPTIONS` metadata document.

use actix_web::http::{Method, StatusCode};
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde_json::{Value, json};

use crate::auth::format_param;
use crate::errors::{ApiError, json_response};
use crate::request::{RequestData, parse_body};
use actix_web::error::PayloadError;
use actix_web::http::header;
use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;

/// `Allow: <methods>` and `Vary: Accept` on every answer of a view, errors included.
pub fn drf_headers(allow: &'static str) -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("Allow", allow))
        .add(("Vary", "Accept"))
}

/// DRF's `http_method_not_allowed`; HEAD gets the same status with no body.
pub fn method_not_allowed(method: &Method) -> HttpResponse {
    if method == Method::HEAD {
        // the type the body would have had, as Django sends it
        return HttpResponse::build(StatusCode::METHOD_NOT_ALLOWED)
            .content_type("application/json")
            .finish();
    }
    ApiError::method_not_allowed(method.as_str()).error_response()
}

/// A default service answering 405 for methods a view does not handle
/// (after negotiation, as DRF's `initial()` runs first).
pub async fn reject_method(req: HttpRequest) -> HttpResponse {
    match negotiate(&req) {
        Ok(()) => method_not_allowed(req.method()),
        Err(e) => e.error_response(),
    }
}

/// DRF `SimpleMetadata` for a view.
pub fn options_metadata(name: &str, description: &str, actions: Option<Value>) -> HttpResponse {
    let mut body = json!({
        "name": name,
        "description": description,
        "renders": ["application/json", "text/html"],
        "parses": [
            "application/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data"
        ],
    });
    if let (Some(actions), Some(map)) = (actions, body.as_object_mut()) {
        map.insert("actions".into(), actions);
    }
    json_response(StatusCode::OK, &body)
}

/// The metadata of one serializer field.
pub fn string_field(label: &str, required: bool, read_only: bool) -> Value {
    json!({"type": "string", "required": required, "read_only": read_only, "label": label})
}

/// `GET /healthz` → 200 `{"status":"ok"}`, for compose and load balancers.
pub fn health(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/healthz")
            .name("/healthz")
            .route(web::get().to(|| async {
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(r#"{"status":"ok"}"#)
            })),
    );
}

/// What a DRF POST view does before its serializer runs: content negotiation,
/// then the body (at most `limit` bytes) parsed by its Content-Type.
pub async fn post_data(
    req: &HttpRequest,
    payload: web::Payload,
    limit: usize,
) -> Result<RequestData, ApiError> {
    negotiate(req)?;
    let body = read_limited(req, payload, limit).await?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| latin1(v.as_bytes()));
    parse_body(content_type.as_deref(), body).await
}

/// DRF content negotiation for a request (`Accept` and `?format=`).
pub fn negotiate(req: &HttpRequest) -> Result<(), ApiError> {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .map(|v| latin1(v.as_bytes()));
    crate::request::negotiate(accept.as_deref(), format_param(req).as_deref())
}

/// The body, refused with 413 as soon as it is known to exceed `limit`.
pub async fn read_limited(
    req: &HttpRequest,
    mut payload: web::Payload,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(ApiError::payload_too_large(limit));
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| match e {
            // `middleware::DeadlineBody`: the body took longer than allowed.
            PayloadError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                ApiError::body_timeout()
            }
            _ => ApiError::parse_error("Malformed request body."),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::payload_too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// A header value as Django sees it: bytes decoded as ISO-8859-1.
pub fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// `json.dumps(value, indent=n, separators=(",", ": "), ensure_ascii=False)`.
pub fn render_indented(value: &Value, indent: usize) -> String {
    let spaces = vec![b' '; indent];
    let mut out = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(&spaces);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
    if serde::Serialize::serialize(value, &mut serializer).is_err() {
        return crate::errors::render_json(value);
    }
    String::from_utf8_lossy(&out)
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}
