//! The form body parser, under each charset it knows.
#![no_main]

use drf_parsers::fuzzing::fuzz_charsets;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fuzz_charsets(data, "application/x-www-form-urlencoded"));
