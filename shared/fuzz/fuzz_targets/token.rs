//! The token decoder: arbitrary bytes as a token, and arbitrary JSON objects as
//! claims of a correctly signed token (so the claim checks are reached too).
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use shared::Settings;
use shared::settings::TokenClass;
use shared::tokens::TokenBackend;
use std::sync::OnceLock;

const NOW: f64 = 1_750_000_000.0;

fn backend() -> &'static TokenBackend {
    static BACKEND: OnceLock<TokenBackend> = OnceLock::new();
    BACKEND.get_or_init(|| {
        let env = [(
            "SECRET_KEY".to_owned(),
            "fuzzing-key-fuzzing-key-fuzzing-key-fuzzing-key".to_owned(),
        )];
        let settings = Settings::from_sources(None, env).expect("settings");
        TokenBackend::for_signing(settings.jwt).expect("backend")
    })
}

fuzz_target!(|data: &[u8]| {
    let backend = backend();
    let _ = backend.decode(data, NOW);
    if let Ok(Value::Object(claims)) = serde_json::from_slice::<Value>(data) {
        if let Ok(token) = backend.encode(&claims) {
            if let Ok(payload) = backend.decode(token.as_bytes(), NOW) {
                for class in [TokenClass::Access, TokenClass::Refresh, TokenClass::Sliding] {
                    let _ = backend.verify_claims(&payload, class, NOW);
                }
                if let Some(id) = backend.user_id_of(&payload) {
                    let _ = (id.as_i64(), id.as_text());
                }
            }
        }
    }
});
