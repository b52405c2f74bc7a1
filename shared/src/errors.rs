//! Error answers in the exact shapes DRF and simplejwt put on the wire.
//!
//! Every error a service returns goes through [`ApiError`], so the bodies, the
//! status codes and the `WWW-Authenticate` header are decided in one place.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Map, Value, json};
use std::fmt;

/// One entry of the `messages` list of "Given token not valid for any token type".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenMessage {
    pub token_class: &'static str,
    pub token_type: &'static str,
    pub message: String,
}

/// An error answer: status, JSON body (key order kept) and optional `WWW-Authenticate`.
#[derive(Clone)]
pub struct ApiError {
    status: StatusCode,
    body: Map<String, Value>,
    www_authenticate: Option<String>,
    retry_after: Option<u32>,
}

impl ApiError {
    fn with_body(status: StatusCode, body: Map<String, Value>) -> Self {
        Self {
            status,
            body,
            www_authenticate: None,
            retry_after: None,
        }
    }

    /// `{"detail": ...}`: DRF's plain exceptions.
    pub fn detail(status: StatusCode, detail: impl Into<String>) -> Self {
        let mut body = Map::new();
        body.insert("detail".into(), Value::String(detail.into()));
        Self::with_body(status, body)
    }

    /// `{"detail": ..., "code": ...}`: simplejwt's own exceptions.
    pub fn detail_code(status: StatusCode, detail: impl Into<String>, code: &str) -> Self {
        let mut err = Self::detail(status, detail);
        err.body.insert("code".into(), Value::String(code.into()));
        err
    }

    /// 401 `{"detail":..,"code":"token_not_valid"}` (refresh, verify, blacklist views).
    pub fn token_not_valid(message: impl Into<String>) -> Self {
        Self::detail_code(StatusCode::UNAUTHORIZED, message, "token_not_valid")
    }

    /// 401 "Given token not valid for any token type" with one message per token class.
    pub fn no_valid_token_type(messages: &[TokenMessage]) -> Self {
        let mut err = Self::token_not_valid("Given token not valid for any token type");
        let list = messages
            .iter()
            .map(|m| {
                json!({
                    "token_class": m.token_class,
                    "token_type": m.token_type,
                    "message": m.message,
                })
            })
            .collect();
        err.body.insert("messages".into(), Value::Array(list));
        err
    }

    /// 400 `{"<field>": ["..."], ...}` in the order given.
    pub fn field_errors(errors: Vec<(String, Vec<String>)>) -> Self {
        let body = errors
            .into_iter()
            .map(|(field, msgs)| {
                let msgs = msgs.into_iter().map(Value::String).collect();
                (field, Value::Array(msgs))
            })
            .collect();
        Self::with_body(StatusCode::BAD_REQUEST, body)
    }

    /// 400 `{"non_field_errors": ["..."]}`.
    pub fn non_field_error(message: impl Into<String>) -> Self {
        Self::field_errors(vec![("non_field_errors".into(), vec![message.into()])])
    }

    /// 401 "Authentication credentials were not provided." (DRF `NotAuthenticated`).
    pub fn not_authenticated() -> Self {
        Self::detail(
            StatusCode::UNAUTHORIZED,
            "Authentication credentials were not provided.",
        )
    }

    /// 405 `Method "X" not allowed.` (an extension method is cut, see [`echo`]).
    pub fn method_not_allowed(method: &str) -> Self {
        Self::detail(
            StatusCode::METHOD_NOT_ALLOWED,
            format!("Method \"{}\" not allowed.", echo(method)),
        )
    }

    /// 406 when the `Accept` header names nothing we can render.
    pub fn not_acceptable() -> Self {
        Self::detail(
            StatusCode::NOT_ACCEPTABLE,
            "Could not satisfy the request Accept header.",
        )
    }

    /// 404 `{"detail":"Not found."}`.
    pub fn not_found() -> Self {
        Self::detail(StatusCode::NOT_FOUND, "Not found.")
    }

    /// 415 `Unsupported media type "<content type>" in request.`, the
    /// content type cut as [`echo`] does.
    pub fn unsupported_media_type(content_type: &str) -> Self {
        Self::detail(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Unsupported media type \"{}\" in request.",
                echo(content_type)
            ),
        )
    }

    /// 431 for a request header field over `TOKENPAIR__MAX_HEADER_BYTES`
    /// (gunicorn answers 400 with an HTML page there).
    pub fn header_field_too_large() -> Self {
        Self::detail(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "Request header field too large.",
        )
    }

    /// 408 when the body did not arrive within `TOKENPAIR__CLIENT_BODY_TIMEOUT`.
    pub fn body_timeout() -> Self {
        Self::detail(
            StatusCode::REQUEST_TIMEOUT,
            "Request body not received in time.",
        )
    }

    /// 400 `{"detail":"<message>"}` (DRF `ParseError`, e.g. "JSON parse error - ...").
    pub fn parse_error(message: impl Into<String>) -> Self {
        Self::detail(StatusCode::BAD_REQUEST, message)
    }

    /// 413 for bodies over the configured limit.
    pub fn payload_too_large(limit: usize) -> Self {
        Self::detail(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Request body is larger than the limit of {limit} bytes."),
        )
    }

    /// 503 in DRF's `ServiceUnavailable` shape, with a `Retry-After` hint.
    pub fn service_unavailable() -> Self {
        let mut err = Self::detail(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service temporarily unavailable, try again later.",
        );
        err.retry_after = Some(1);
        err
    }

    /// 429 in DRF's `Throttled` shape: `Request was throttled. Expected available in N
    /// seconds.` (`1 second.` in the singular) and `Retry-After: N`, N the wait rounded up.
    /// Like DRF's handler, a wait of 0 sends no `Retry-After`.
    pub fn throttled(wait_secs: u32) -> Self {
        let unit = if wait_secs == 1 { "second" } else { "seconds" };
        let mut err = Self::detail(
            StatusCode::TOO_MANY_REQUESTS,
            format!("Request was throttled. Expected available in {wait_secs} {unit}."),
        );
        err.retry_after = Some(wait_secs).filter(|&n| n > 0);
        err
    }

    /// 500 in DRF's `APIException` shape. Only for failures we could not foresee.
    pub fn internal() -> Self {
        Self::detail(
            StatusCode::INTERNAL_SERVER_ERROR,
            "A server error occurred.",
        )
    }

    /// Adds `WWW-Authenticate: <scheme> realm="api"` (simplejwt puts it on every 401).
    pub fn with_auth_scheme(mut self, scheme: &str) -> Self {
        self.www_authenticate = Some(format!("{scheme} realm=\"api\""));
        self
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn body(&self) -> &Map<String, Value> {
        &self.body
    }

    /// The `detail` text, where the body has one.
    pub fn detail_text(&self) -> Option<&str> {
        self.body.get("detail").and_then(Value::as_str)
    }
}

/// Longest piece of request data (in characters) an error text repeats.
pub const ECHO_LIMIT: usize = 100;

/// Request data as an error text repeats it: unchanged up to [`ECHO_LIMIT`]
/// characters (DRF's text exactly), else its first [`ECHO_LIMIT`] characters
/// and `…`, so an answer never grows with what a client sent.
pub fn echo(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(ECHO_LIMIT) {
        None => std::borrow::Cow::Borrowed(text),
        Some((cut, _)) => std::borrow::Cow::Owned(format!("{}\u{2026}", &text[..cut])),
    }
}

/// DRF renders compact JSON with raw UTF-8, escaping only U+2028 and U+2029.
pub fn render_json(value: &Value) -> String {
    let text = serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned());
    if text.contains(['\u{2028}', '\u{2029}']) {
        text.replace('\u{2028}', "\\u2028")
            .replace('\u{2029}', "\\u2029")
    } else {
        text
    }
}

/// A 200 (or other) JSON answer rendered the way DRF renders it.
pub fn json_response(status: StatusCode, value: &Value) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(render_json(value))
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}",
            self.status.as_u16(),
            render_json(&Value::Object(self.body.clone()))
        )
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.detail_text() {
            Some(detail) => write!(f, "{} {}", self.status.as_u16(), detail),
            None => write!(f, "{} validation error", self.status.as_u16()),
        }
    }
}

impl std::error::Error for ApiError {}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = json_response(self.status, &Value::Object(self.body.clone()));
        let headers = response.headers_mut();
        if let Some(value) = self
            .www_authenticate
            .as_deref()
            .and_then(|v| HeaderValue::from_str(v).ok())
        {
            headers.insert(header::WWW_AUTHENTICATE, value);
        }
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_order_is_detail_code_messages() {
        let err = ApiError::no_valid_token_type(&[TokenMessage {
            token_class: "AccessToken",
            token_type: "access",
            message: "Token is invalid".into(),
        }]);
        assert_eq!(
            render_json(&Value::Object(err.body().clone())),
            r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid"}]}"#
        );
    }

    #[test]
    fn throttled_words_the_wait_like_drf() {
        let one = ApiError::throttled(1);
        assert_eq!(
            one.detail_text(),
            Some("Request was throttled. Expected available in 1 second.")
        );
        assert_eq!(one.status(), StatusCode::TOO_MANY_REQUESTS);
        let many = ApiError::throttled(42).error_response();
        assert_eq!(many.headers().get(header::RETRY_AFTER).unwrap(), "42");
        assert_eq!(
            ApiError::throttled(42).detail_text(),
            Some("Request was throttled. Expected available in 42 seconds.")
        );
        assert!(
            ApiError::throttled(0)
                .error_response()
                .headers()
                .get(header::RETRY_AFTER)
                .is_none()
        );
    }

    #[test]
    fn echoed_request_data_is_cut_after_100_characters() {
        let exact = "a/".to_owned() + &"b".repeat(98);
        assert_eq!(echo(&exact), exact.as_str());
        let long = "é".repeat(101);
        assert_eq!(echo(&long), "é".repeat(100) + "…");
        let err = ApiError::unsupported_media_type(&"x".repeat(120_000));
        let detail = err.detail_text().expect("detail");
        assert_eq!(
            detail,
            format!(
                "Unsupported media type \"{}…\" in request.",
                "x".repeat(100)
            )
        );
        let err = ApiError::method_not_allowed(&"X".repeat(500));
        assert_eq!(
            err.detail_text(),
            Some(format!("Method \"{}…\" not allowed.", "X".repeat(100)).as_str())
        );
        assert_eq!(
            ApiError::method_not_allowed("PATCH").detail_text(),
            Some("Method \"PATCH\" not allowed.")
        );
    }

    #[test]
    fn line_separators_are_escaped_like_drf() {
        assert_eq!(render_json(&json!("a\u{2028}b")), r#""a\u2028b""#);
        assert_eq!(render_json(&json!("Zoë")), "\"Zoë\"");
    }
}
