//! Hand-made tokens for the error cases: any header, any payload, any key.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, crypto};
use serde_json::Value;

use crate::app::TEST_SECRET_KEY;

/// Sign `payload` (JSON text, written as is) under `header` (JSON text) with an HMAC key.
pub fn forge_with(header: &str, payload: &str, key: &str, algorithm: Algorithm) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let signature = crypto::sign(
        input.as_bytes(),
        &EncodingKey::from_secret(key.as_bytes()),
        algorithm,
    )
    .expect("sign");
    format!("{input}.{signature}")
}

/// An HS256 token signed with the test key.
pub fn forge(payload: &Value) -> String {
    forge_with(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        &payload.to_string(),
        TEST_SECRET_KEY,
        Algorithm::HS256,
    )
}

/// Seconds since the epoch, now.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The decoded header text and payload of a token.
pub fn parts(token: &str) -> (String, Value) {
    let mut it = token.split('.');
    let header = URL_SAFE_NO_PAD
        .decode(it.next().expect("header"))
        .expect("b64 header");
    let payload = URL_SAFE_NO_PAD
        .decode(it.next().expect("payload"))
        .expect("b64 payload");
    (
        String::from_utf8(header).expect("utf8 header"),
        serde_json::from_slice(&payload).expect("json payload"),
    )
}

/// The raw payload JSON text of a token (to check claim order and escaping).
pub fn payload_text(token: &str) -> String {
    let segment = token.split('.').nth(1).expect("payload");
    String::from_utf8(URL_SAFE_NO_PAD.decode(segment).expect("b64")).expect("utf8")
}

/// `payload` with one claim replaced (or added).
pub fn with(payload: &Value, claim: &str, value: Value) -> Value {
    let mut payload = payload.clone();
    payload[claim] = value;
    payload
}

/// `payload` without one claim.
pub fn without(payload: &Value, claim: &str) -> Value {
    let mut payload = payload.clone();
    if let Some(map) = payload.as_object_mut() {
        map.remove(claim);
    }
    payload
}
