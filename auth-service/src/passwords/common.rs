//! Django's list of common passwords, for `CommonPasswordValidator`.
//!
//! `common-passwords.txt` is Django 5.2's `django/contrib/auth/common-passwords.txt.gz`
//! (taken from the reference venv, `reference/django/setup.sh`), decompressed: 19,640
//! lowercased, deduplicated passwords, "created by Royce Williams"
//! (https://gist.github.com/roycewilliams/226886fd01572964e1431ac8afc999ce), shipped
//! by Django under its BSD 3-clause licence (Copyright (c) Django Software Foundation
//! and individual contributors). Plain rather than gzipped: 160 KB in the binary costs
//! less than a decompressor dependency.

use std::collections::HashSet;
use std::sync::LazyLock;

use shared::pystr::py_isspace;

const LIST: &str = include_str!("common-passwords.txt");

/// Built on first use, once per process (Django: `{x.strip() for x in f}`).
static PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    LIST.lines()
        .map(|line| line.trim_matches(py_isspace))
        .collect()
});

/// Whether `candidate` (already lowercased and stripped by the caller) is on the list.
pub fn is_common(candidate: &str) -> bool {
    PASSWORDS.contains(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_list_is_loaded() {
        assert_eq!(PASSWORDS.len(), 19_640);
        assert!(is_common("password"));
        assert!(is_common("trustno1"));
        assert!(!is_common("contrasenasegura"));
    }
}
