//! The json body parser, under each charset it knows.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::request::char_field;
use shared::request::fuzzing::parse_body;

const CONTENT_TYPES: [&str; 4] = [
    "application/json",
    "application/json; charset=latin-1",
    "application/json; charset=ascii",
    "application/json; charset=utf-8-sig",
];

fuzz_target!(|data: &[u8]| {
    let Some((&first, body)) = data.split_first() else {
        return;
    };
    let content_type = CONTENT_TYPES[usize::from(first) % CONTENT_TYPES.len()];
    if let Ok(parsed) = parse_body(Some(content_type), body) {
        for name in ["username", "password", "a", ""] {
            let _ = char_field(&parsed, name);
        }
    }
});
