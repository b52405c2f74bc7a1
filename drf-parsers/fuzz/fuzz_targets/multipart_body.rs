//! Django's multipart parser: a fixed boundary most of the time, otherwise a
//! Content-Type taken from the input (up to the first newline).
#![no_main]

use drf_parsers::fuzzing::fuzz_body;
use libfuzzer_sys::fuzz_target;

const FIXED: Option<&str> = Some("multipart/form-data; boundary=XyZ");
/// `None`: the Content-Type comes from the input.
const CONTENT_TYPES: [Option<&str>; 4] = [None, FIXED, FIXED, FIXED];

fuzz_target!(|data: &[u8]| fuzz_body(data, &CONTENT_TYPES));
