//! Helpers shared by the tests of the body parsers: they parse through the
//! Content-Type dispatch, as DRF does, and read the rendered error bodies.

use crate::data::{FieldValue, RequestData};
use serde_json::Value;
use shared::errors::{ApiError, render_json};

pub(super) fn run(content_type: Option<&str>, body: &[u8]) -> Result<RequestData, ApiError> {
    crate::body::parse(content_type, body)
}

fn error_json(err: &ApiError) -> String {
    render_json(&Value::Object(err.body().clone()))
}

/// `(status, rendered body)` of a failed parse.
pub(super) fn failure(content_type: Option<&str>, body: &[u8]) -> (u16, String) {
    match run(content_type, body) {
        Ok(data) => panic!("{content_type:?} {body:?} parsed: {data:?}"),
        Err(err) => (err.status().as_u16(), error_json(&err)),
    }
}

pub(super) fn detail(content_type: Option<&str>, body: &[u8]) -> String {
    let (_, body) = failure(content_type, body);
    let value: Value = serde_json::from_str(&body).expect("error body is JSON");
    value["detail"].as_str().unwrap_or_default().to_owned()
}

pub(super) fn text(data: &RequestData, name: &str) -> Option<String> {
    match data.get(name) {
        Some(FieldValue::Text(s)) => Some(s.clone()),
        other => panic!("{name}: {other:?}"),
    }
}

pub(super) const MP: &str = "multipart/form-data; boundary=XyZ";

pub(super) fn multipart(parts: &[&str]) -> Vec<u8> {
    let mut body = String::new();
    for part in parts {
        body.push_str("--XyZ\r\n");
        body.push_str(part);
        body.push_str("\r\n");
    }
    body.push_str("--XyZ--\r\n");
    body.into_bytes()
}
