//! What every DRF `APIView` adds around its handler: the `Allow` and `Vary`
//! headers, 405 for other methods, and the `OPTIONS` metadata document.

use actix_web::http::{Method, StatusCode};
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde_json::{Value, json};

use crate::errors::{ApiError, json_response};

/// DRF content negotiation for a request, the first step of every view:
/// re-exported here, beside the other pieces of a view, for the services.
pub use crate::negotiation::for_request as negotiate;

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

/// The readiness probe of both services: unlike `/healthz` (the process is alive),
/// it says whether the service can do its work now (compose, Kubernetes).
pub const READY_PATH: &str = "/readyz";

/// `GET /readyz` → 200 `{"status":"ready"}`.
pub fn ready() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(r#"{"status":"ready"}"#)
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
