//! Python's `json` module as DRF's `JSONParser` sees it, and Python's `str()`
//! of the numbers it produces.
//!
//! DRF decodes request bodies with CPython's C scanner, so its error messages
//! (positions included) and its leniencies reach clients. `loads` follows
//! that scanner step by step instead of mapping serde_json's errors: the two
//! disagree on too many details (positions counted in characters, lone
//! surrogate escapes accepted, `NaN` spelled out, ints over 4300 digits
//! refused) for a mapping to stay faithful, and serde_json refuses lone
//! surrogates outright. serde_json still holds the result (`serde_json::Value`).

mod number;
mod scanner;
mod surrogates;
#[cfg(test)]
mod tests;

pub(crate) use number::py_str_number;
#[cfg(test)]
pub(crate) use scanner::MAX_DEPTH;
pub(crate) use scanner::{JsonError, loads};
pub(crate) use surrogates::py_code_points;
