//! Django's four default password validators (`django/contrib/auth/password_validation.py`,
//! Django 5.2), in the order `startproject` lists them in `AUTH_PASSWORD_VALIDATORS`, with
//! Django's English messages. [`validate_password`] returns every failing validator's
//! message in that order, as Django's `validate_password` raises them.
//!
//! Python's string semantics are kept where they decide an answer: lengths count code
//! points, `str.lower()`/`str.strip()`, `str.isdigit()` and `re`'s `\w` (tables generated
//! by Python, see `unicode_tables`).

use std::collections::HashMap;

use shared::pystr::py_isspace;

use super::common::is_common;
use super::unicode_tables::{DIGIT, WORD};

/// Django's default `MinimumLengthValidator.min_length` (`TOKENPAIR__PASSWORD_MIN_LENGTH`).
pub const DEFAULT_MIN_LENGTH: usize = 8;

/// `UserAttributeSimilarityValidator`'s default `max_similarity`.
const MAX_SIMILARITY: f64 = 0.7;

/// The user fields `UserAttributeSimilarityValidator` compares the password with (its
/// `DEFAULT_USER_ATTRIBUTES`); empty strings are skipped, as Django skips falsy values.
#[derive(Debug, Clone, Copy, Default)]
pub struct UserAttributes<'a> {
    pub username: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: &'a str,
}

/// Django's `validate_password(password, user)` with the default validators: the messages
/// of the failing ones, in Django's order (empty: the password is acceptable).
pub fn validate_password(
    password: &str,
    user: &UserAttributes<'_>,
    min_length: usize,
) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(verbose_name) = too_similar(password, user) {
        problems.push(format!(
            "The password is too similar to the {verbose_name}."
        ));
    }
    if password.chars().count() < min_length {
        let unit = if min_length == 1 {
            "character"
        } else {
            "characters"
        };
        problems.push(format!(
            "This password is too short. It must contain at least {min_length} {unit}."
        ));
    }
    let lowered = password.to_lowercase();
    if is_common(lowered.trim_matches(py_isspace)) {
        problems.push("This password is too common.".into());
    }
    if is_digits(password) {
        problems.push("This password is entirely numeric.".into());
    }
    problems
}

/// `str.isdigit()`: non-empty and every character a digit.
fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.chars().all(|c| in_table(DIGIT, c))
}

fn in_table(table: &[(u32, u32)], c: char) -> bool {
    let c = u32::from(c);
    table
        .binary_search_by(|&(start, end)| {
            if end < c {
                std::cmp::Ordering::Less
            } else if start > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// `UserAttributeSimilarityValidator.validate`: the verbose name of the first attribute
/// (in Django's order) the password is too similar to, compared whole and split on `\W+`.
fn too_similar(password: &str, user: &UserAttributes<'_>) -> Option<&'static str> {
    let password: Vec<char> = password.to_lowercase().chars().collect();
    let attributes = [
        (user.username, "username"),
        (user.first_name, "first name"),
        (user.last_name, "last name"),
        (user.email, "email address"),
    ];
    for (value, verbose_name) in attributes {
        if value.is_empty() {
            continue;
        }
        let value: Vec<char> = value.to_lowercase().chars().collect();
        let mut parts = split_non_word(&value);
        parts.push(&value);
        for part in parts {
            if exceeds_maximum_length_ratio(password.len(), part.len()) {
                continue;
            }
            if quick_ratio(&password, part) >= MAX_SIMILARITY {
                return Some(verbose_name);
            }
        }
    }
    None
}

/// `re.split(r"\W+", value)`: the runs of word characters, with Python's empty strings
/// where the value starts or ends with a separator.
fn split_non_word(value: &[char]) -> Vec<&[char]> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < value.len() {
        if in_table(WORD, value[i]) {
            i += 1;
            continue;
        }
        parts.push(&value[start..i]);
        while i < value.len() && !in_table(WORD, value[i]) {
            i += 1;
        }
        start = i;
    }
    parts.push(&value[start..]);
    parts
}

/// Django's `exceeds_maximum_length_ratio`: a value this much shorter than the password
/// cannot reach the similarity bound, so the comparison is skipped (same float steps as
/// Python, so the same verdict at the boundary).
fn exceeds_maximum_length_ratio(password_len: usize, value_len: usize) -> bool {
    let length_bound_similarity = MAX_SIMILARITY / 2.0 * password_len as f64;
    password_len >= 10 * value_len && (value_len as f64) < length_bound_similarity
}

/// `difflib.SequenceMatcher(a=a, b=b).quick_ratio()`: twice the size of the multiset
/// intersection over the total length (1.0 for two empty sequences). Linear in the lengths.
fn quick_ratio(a: &[char], b: &[char]) -> f64 {
    let mut available: HashMap<char, i64> = HashMap::new();
    for &c in b {
        *available.entry(c).or_default() += 1;
    }
    let mut matches = 0usize;
    for c in a {
        if let Some(n) = available.get_mut(c) {
            if *n > 0 {
                matches += 1;
            }
            *n -= 1;
        }
    }
    let length = a.len() + b.len();
    if length == 0 {
        1.0
    } else {
        2.0 * matches as f64 / length as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (password, username, first_name, last_name, email, Django's messages).
    type Vector = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static [&'static str],
    );

    const SHORT: &str = "This password is too short. It must contain at least 8 characters.";
    const COMMON: &str = "This password is too common.";
    const NUMERIC: &str = "This password is entirely numeric.";
    const USERNAME: &str = "The password is too similar to the username.";
    const LAST_NAME: &str = "The password is too similar to the last name.";
    const EMAIL: &str = "The password is too similar to the email address.";

    /// Made by running Django 5.2.19's `validate_password(password, User(username=...,
    /// first_name=..., last_name=..., email=...))` with startproject's four
    /// AUTH_PASSWORD_VALIDATORS in the reference venv (Python 3.11) and printing
    /// `err.messages` for each row (the script: settings.configure + django.setup, one
    /// `validate_password` per row, `json.dumps` of the result).
    const DJANGO: &[Vector] = &[
        ("contrasenasegura", "kyoko", "", "", "", &[]),
        ("123", "kyoko", "", "", "", &[SHORT, COMMON, NUMERIC]),
        ("12345678", "kyoko", "", "", "", &[COMMON, NUMERIC]),
        ("password", "kyoko", "", "", "", &[COMMON]),
        ("  PassWord  ", "kyoko", "", "", "", &[COMMON]),
        ("kyokokyoko", "kyokokyoko", "", "", "", &[USERNAME]),
        ("kyokoTheGreat", "kyoko", "", "", "", &[]),
        ("Kyoko2026!", "kyoko", "", "", "", &[]),
        ("hayashi-kyoko", "k", "Kyoko", "Hayashi", "", &[LAST_NAME]),
        ("hayashi1977", "k", "", "Hayashi", "", &[LAST_NAME]),
        ("examplecom", "k", "", "", "kyoko@example.com", &[EMAIL]),
        (
            "kyoko.hayashi",
            "k",
            "",
            "",
            "kyoko.hayashi@example.com",
            &[EMAIL],
        ),
        (
            "zq9$Lm2@xv",
            "bob",
            "Robert",
            "Smith",
            "bob@example.org",
            &[],
        ),
        ("bobbobbobbobbobbobbobbobbobbobx", "bob", "", "", "", &[]),
        (
            "\u{661}\u{662}\u{663}\u{664}\u{665}\u{666}\u{667}\u{668}\u{669}",
            "kyoko",
            "",
            "",
            "",
            &[NUMERIC],
        ),
        ("\u{b2}\u{b3}\u{b9}", "kyoko", "", "", "", &[SHORT, NUMERIC]),
        (
            "\u{bd}\u{bd}\u{bd}\u{bd}\u{bd}\u{bd}\u{bd}\u{bd}",
            "kyoko",
            "",
            "",
            "",
            &[],
        ),
        (
            "\u{2167}\u{2167}\u{2167}\u{2167}\u{2167}\u{2167}\u{2167}\u{2167}",
            "kyoko",
            "",
            "",
            "",
            &[],
        ),
        ("zoë-élève", "zoë_élève", "", "", "", &[USERNAME]),
        (
            "élève12",
            "x",
            "Zoë",
            "Élève-Dupont",
            "",
            &[LAST_NAME, SHORT],
        ),
        ("qwerty", "qwerty", "", "", "", &[USERNAME, SHORT, COMMON]),
        ("a", "a", "", "", "", &[USERNAME, SHORT, COMMON]),
        ("ab", "", "", "", "", &[SHORT]),
        ("ΣΙΣΥΦΟΣ", "σισυφος", "", "", "", &[USERNAME, SHORT]),
        ("iloveyou", "user", "", "", "", &[COMMON]),
        ("trustno1", "user", "", "", "", &[COMMON]),
        ("correct horse battery staple", "user", "", "", "", &[]),
        ("abc\u{301}defgh", "abc\u{301}", "", "", "", &[]),
    ];

    #[test]
    fn agrees_with_django() {
        for &(password, username, first_name, last_name, email, want) in DJANGO {
            let user = UserAttributes {
                username,
                first_name,
                last_name,
                email,
            };
            assert_eq!(
                validate_password(password, &user, DEFAULT_MIN_LENGTH),
                want,
                "{password:?} for {user:?}"
            );
        }
    }

    #[test]
    fn minimum_length_is_configurable_and_singular_at_one() {
        let user = UserAttributes::default();
        assert_eq!(
            validate_password("zq9$Lm2@xv", &user, 12),
            ["This password is too short. It must contain at least 12 characters."]
        );
        assert!(validate_password("zq9$Lm2@xv", &user, 10).is_empty());
        assert_eq!(
            validate_password("", &user, 1),
            ["This password is too short. It must contain at least 1 character."]
        );
    }

    #[test]
    fn python_split_and_ratio() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        let split = |s: &str| -> Vec<String> {
            let v = chars(s);
            split_non_word(&v)
                .into_iter()
                .map(|p| p.iter().collect())
                .collect()
        };
        assert_eq!(split("a--b"), ["a", "b"]);
        assert_eq!(split("-a"), ["", "a"]);
        assert_eq!(split("a-"), ["a", ""]);
        assert_eq!(split("---"), ["", ""]);
        assert_eq!(split("kyoko@example.com"), ["kyoko", "example", "com"]);
        // SequenceMatcher("abcd", "bcde").quick_ratio() == 0.75
        assert_eq!(quick_ratio(&chars("abcd"), &chars("bcde")), 0.75);
        assert_eq!(quick_ratio(&chars(""), &chars("")), 1.0);
        assert_eq!(quick_ratio(&chars("aab"), &chars("abb")), 2.0 * 2.0 / 6.0);
    }
}
