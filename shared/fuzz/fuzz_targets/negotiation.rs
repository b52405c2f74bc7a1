//! Content negotiation and Django's header parameter parsing (Accept and
//! Content-Type both go through it). The first byte picks a `?format=`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::negotiation::{json_indent, negotiate, parse_header_parameters};

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    // Header values reach the parsers decoded as ISO-8859-1.
    let header: String = rest.iter().map(|&b| char::from(b)).collect();
    let format = match first % 4 {
        0 => None,
        1 => Some("json"),
        2 => Some("api"),
        _ => Some(""),
    };
    let _ = negotiate(Some(&header), format);
    let _ = json_indent(Some(&header), format);
    let (key, params) = parse_header_parameters(&header);
    assert!(key.len() <= header.len() * 3);
    assert!(params.len() <= header.len());
});
