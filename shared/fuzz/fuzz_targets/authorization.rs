//! simplejwt's Authorization header parsing (`get_raw_token`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::auth::header::raw_token;

fuzz_target!(|data: &[u8]| {
    let types = ["Bearer".to_owned(), "JWT".to_owned()];
    if let Ok(Some(token)) = raw_token(data, &types) {
        assert!(!token.is_empty());
        assert!(data.windows(token.len()).any(|w| w == token));
    }
});
