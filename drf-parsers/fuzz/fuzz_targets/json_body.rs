//! The json body parser, under each charset it knows.
#![no_main]

use drf_parsers::fuzzing::fuzz_body;
use libfuzzer_sys::fuzz_target;

const CONTENT_TYPES: [Option<&str>; 4] = [
    Some("application/json"),
    Some("application/json; charset=latin-1"),
    Some("application/json; charset=ascii"),
    Some("application/json; charset=utf-8-sig"),
];

fuzz_target!(|data: &[u8]| fuzz_body(data, &CONTENT_TYPES));
