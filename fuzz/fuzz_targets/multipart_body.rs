//! Django's multipart parser: a fixed boundary most of the time, otherwise a
//! Content-Type taken from the input (up to the first newline).
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::request::char_field;
use shared::request::fuzzing::parse_body;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let (content_type, body) = if first % 4 == 0 {
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let header: String = rest[..end].iter().map(|&b| char::from(b)).collect();
        (header, rest.get(end + 1..).unwrap_or_default())
    } else {
        ("multipart/form-data; boundary=XyZ".to_owned(), rest)
    };
    if let Ok(parsed) = parse_body(Some(&content_type), body) {
        for name in ["username", "password", "a", ""] {
            let _ = char_field(&parsed, name);
        }
    }
});
