//! Python's `str` whitespace rules, which header parsing (negotiation) and
//! DRF's `CharField` (the `drf-parsers` crate) both follow. A module of its own
//! so that neither has to import the other for it.

/// Python's `str.isspace`: Unicode White_Space plus the ASCII information
/// separators U+001C..U+001F, which Python counts and Rust does not.
pub fn py_isspace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.strip()` with no argument.
pub fn py_strip(s: &str) -> &str {
    s.trim_matches(py_isspace)
}
