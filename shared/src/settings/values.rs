//! The value syntax shared by the TOML file and the environment.
//!
//! Environment values are always strings while the file may hold typed TOML values; both go
//! through the same parsers so that `300`, `"300"` and `"5m"` mean the same wherever they are
//! written. The string forms are a superset of what the Django reference app parses from
//! `SIMPLE_JWT__<NAME>`, so one environment can drive both in differential tests.
//!
//! Parsers return the problem without the setting's name; the caller knows where the value came
//! from and prefixes it.

use super::Secret;
use config::ValueKind;
use std::time::Duration;

pub type Parsed<T> = Result<T, String>;

const DURATION_HINT: &str = "(use seconds, or e.g. 5m, 1h, 1d)";

/// Far beyond any sensible token lifetime or timeout, and low enough that `now + duration`
/// cannot overflow a timestamp anywhere downstream (simplejwt itself fails past year 9999).
const MAX_DURATION: Duration = Duration::from_secs(1000 * 31_557_600);

/// `none`/`null`/empty: how the reference app spells Python's `None`, plus the empty value an
/// unset shell variable expands to.
pub fn is_unset(raw: &ValueKind) -> bool {
    match raw {
        ValueKind::Nil => true,
        ValueKind::String(s) => {
            let s = s.trim();
            s.is_empty() || s.eq_ignore_ascii_case("none") || s.eq_ignore_ascii_case("null")
        }
        _ => false,
    }
}

/// An empty (or blank) value, as an unset shell variable expands to.
pub fn is_empty(raw: &ValueKind) -> bool {
    matches!(raw, ValueKind::String(s) if s.trim().is_empty())
}

/// For settings simplejwt allows to be `None`.
pub fn optional<T>(
    raw: &ValueKind,
    parse: impl FnOnce(&ValueKind) -> Parsed<T>,
) -> Parsed<Option<T>> {
    if is_unset(raw) {
        Ok(None)
    } else {
        parse(raw).map(Some)
    }
}

/// Every parser below starts here: a `none` for a setting simplejwt cannot run without would
/// otherwise surface later as a confusing type error (or, in Django, a crash per request).
fn reject_unset(raw: &ValueKind) -> Parsed<()> {
    if is_unset(raw) {
        Err(
            "cannot be unset (none, null and empty values are only for optional settings; \
             remove the setting to get its default)"
                .into(),
        )
    } else {
        Ok(())
    }
}

pub fn string(raw: &ValueKind) -> Parsed<String> {
    reject_unset(raw)?;
    match raw {
        ValueKind::String(s) => Ok(s.clone()),
        other => Err(type_error("a string", other)),
    }
}

/// An optional `http://` or `https://` URL with a host (the revocation feed, the demo's
/// auth-service), checked at load time so a typo fails `check` and start-up rather than every
/// use.
pub fn http_url(raw: &ValueKind) -> Parsed<Option<String>> {
    optional(raw, string).and_then(|url| match url {
        Some(url) if !(url.starts_with("http://") || url.starts_with("https://")) => {
            Err(format!("{url:?} is not an http:// or https:// URL"))
        }
        Some(url)
            if url
                .split("://")
                .nth(1)
                .is_none_or(|rest| rest.starts_with('/') || rest.is_empty()) =>
        {
            Err(format!("{url:?} names no host"))
        }
        other => Ok(other),
    })
}

pub fn boolean(raw: &ValueKind) -> Parsed<bool> {
    reject_unset(raw)?;
    let parsed = match raw {
        ValueKind::Boolean(b) => Some(*b),
        ValueKind::I64(n) => int_bool(i128::from(*n)),
        ValueKind::U64(n) => int_bool(i128::from(*n)),
        ValueKind::I128(n) => int_bool(*n),
        ValueKind::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Some(true),
            "false" | "0" | "no" | "off" => Some(false),
            _ => None,
        },
        _ => None,
    };
    parsed.ok_or_else(|| format!("invalid boolean {} (use true or false)", show(raw)))
}

fn int_bool(n: i128) -> Option<bool> {
    match n {
        0 => Some(false),
        1 => Some(true),
        _ => None,
    }
}

pub fn duration(raw: &ValueKind) -> Parsed<Duration> {
    reject_unset(raw)?;
    let parsed = match raw {
        ValueKind::I64(n) => int_seconds(i128::from(*n)),
        ValueKind::U64(n) => int_seconds(i128::from(*n)),
        ValueKind::I128(n) => int_seconds(*n),
        ValueKind::U128(n) => int_seconds(i128::try_from(*n).unwrap_or(i128::MAX)),
        ValueKind::Float(f) => float_seconds(*f),
        ValueKind::String(s) => duration_text(s.trim()),
        other => return Err(type_error("a duration", other)),
    };
    parsed.map_err(|bad| {
        let why = match bad {
            BadDuration::Syntax => DURATION_HINT,
            BadDuration::Negative => "(must not be negative)",
            BadDuration::TooLong => "(at most 1000 years)",
        };
        format!("invalid duration {} {why}", show(raw))
    })
}

enum BadDuration {
    Syntax,
    Negative,
    TooLong,
}

fn duration_text(s: &str) -> Result<Duration, BadDuration> {
    if let Some(rest) = s.strip_prefix('-') {
        let rest = rest.trim_start();
        return Err(
            if is_decimal(rest) || humantime::parse_duration(rest).is_ok() {
                BadDuration::Negative
            } else {
                BadDuration::Syntax
            },
        );
    }
    if is_decimal(s) {
        return match s.parse::<u64>() {
            Ok(secs) => int_seconds(i128::from(secs)),
            // Only a fraction or more digits than u64 holds get here.
            Err(_) => s
                .parse::<f64>()
                .map_err(|_| BadDuration::Syntax)
                .and_then(float_seconds),
        };
    }
    match humantime::parse_duration(s) {
        Ok(d) => capped(d),
        Err(humantime::DurationError::NumberOverflow) => Err(BadDuration::TooLong),
        Err(_) => Err(BadDuration::Syntax),
    }
}

/// Plain seconds: `300`, `0.5`, `.5`, `5.` (what Python's `float()` reads, without exponents,
/// `inf` and `nan`, which Rust's `f64` parser would also take).
fn is_decimal(s: &str) -> bool {
    let mut digits = 0;
    let mut dots = 0;
    for c in s.chars() {
        match c {
            '0'..='9' => digits += 1,
            '.' => dots += 1,
            _ => return false,
        }
    }
    digits > 0 && dots <= 1
}

fn int_seconds(n: i128) -> Result<Duration, BadDuration> {
    if n < 0 {
        return Err(BadDuration::Negative);
    }
    u64::try_from(n)
        .map_err(|_| BadDuration::TooLong)
        .and_then(|secs| capped(Duration::from_secs(secs)))
}

fn float_seconds(f: f64) -> Result<Duration, BadDuration> {
    if f.is_nan() {
        return Err(BadDuration::Syntax);
    }
    if f < 0.0 {
        return Err(BadDuration::Negative);
    }
    Duration::try_from_secs_f64(f)
        .map_err(|_| BadDuration::TooLong)
        .and_then(capped)
}

fn capped(d: Duration) -> Result<Duration, BadDuration> {
    if d > MAX_DURATION {
        Err(BadDuration::TooLong)
    } else {
        Ok(d)
    }
}

/// A duration where zero would mean "never" or "at once", neither of which is wanted (and r2d2
/// panics on a zero connection timeout).
pub fn positive_duration(raw: &ValueKind) -> Parsed<Duration> {
    let duration = duration(raw)?;
    if duration.is_zero() {
        return Err("must be more than 0 seconds".to_owned());
    }
    Ok(duration)
}

/// A top-level secret (`SECRET_KEY`, `DATABASE_URL`). Empty means unset, as in the reference app, which ignores an empty `SECRET_KEY`.
pub fn secret(raw: &ValueKind) -> Result<Option<Secret>, String> {
    match raw {
        ValueKind::String(s) if s.is_empty() => Ok(None),
        ValueKind::String(s) => Ok(Some(Secret::from(s.as_str()))),
        // The value itself is not shown: it is a secret.
        _ => Err("expected a string".to_owned()),
    }
}

/// A non-negative integer (counts and sizes); callers check their own bounds.
pub fn integer(raw: &ValueKind) -> Parsed<u64> {
    reject_unset(raw)?;
    let wide = match raw {
        ValueKind::I64(n) => i128::from(*n),
        ValueKind::U64(n) => i128::from(*n),
        ValueKind::I128(n) => *n,
        ValueKind::U128(n) => i128::try_from(*n).unwrap_or(i128::MAX),
        ValueKind::String(s) => {
            let t = s.trim();
            let digits = t.strip_prefix('-').unwrap_or(t);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("invalid integer {}", show(raw)));
            }
            t.parse::<i128>().unwrap_or(i128::MAX)
        }
        other => return Err(type_error("an integer", other)),
    };
    if wide < 0 {
        return Err(format!(
            "invalid integer {} (must not be negative)",
            show(raw)
        ));
    }
    u64::try_from(wide).map_err(|_| format!("invalid integer {} (too large)", show(raw)))
}

/// A count with a lower bound, converted to the field's integer type.
pub fn count<T: TryFrom<u64>>(raw: &ValueKind, min: u64) -> Parsed<T> {
    let n = integer(raw)?;
    if n < min {
        return Err(format!("must be at least {min}, got {n}"));
    }
    T::try_from(n).map_err(|_| format!("{n} is too large"))
}

/// One of a few keywords, compared case-insensitively (they are ours, not simplejwt's).
pub fn keyword<T: Copy>(raw: &ValueKind, choices: &[(&str, T)]) -> Parsed<T> {
    let s = string(raw)?;
    let wanted = s.trim();
    choices
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(wanted))
        .map(|(_, value)| *value)
        .ok_or_else(|| {
            let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
            format!(
                "invalid value {s:?} (expected one of: {})",
                names.join(", ")
            )
        })
}

/// A TOML array of strings, a JSON array in a string, or a comma-separated string.
pub fn string_list(raw: &ValueKind) -> Parsed<Vec<String>> {
    reject_unset(raw)?;
    match raw {
        ValueKind::Array(items) => items
            .iter()
            .map(|item| match &item.kind {
                ValueKind::String(s) => Ok(s.clone()),
                other => Err(format!(
                    "list items must be strings, got {}",
                    kind_name(other)
                )),
            })
            .collect(),
        ValueKind::String(s) => {
            let s = s.trim();
            if s.starts_with('[') {
                json_list(s)
            } else {
                Ok(s.split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(str::to_owned)
                    .collect())
            }
        }
        other => Err(type_error("a list", other)),
    }
}

/// A string that starts with `[` is read as JSON, as the reference app does for lists.
pub fn json_list(s: &str) -> Parsed<Vec<String>> {
    serde_json::from_str::<Vec<String>>(s)
        .map_err(|e| format!("invalid JSON list {s:?}: {e} (expected an array of strings)"))
}

fn type_error(expected: &str, raw: &ValueKind) -> String {
    format!("expected {expected}, got {}", kind_name(raw))
}

fn kind_name(raw: &ValueKind) -> &'static str {
    match raw {
        ValueKind::Nil => "nothing",
        ValueKind::Boolean(_) => "a boolean",
        ValueKind::I64(_) | ValueKind::I128(_) | ValueKind::U64(_) | ValueKind::U128(_) => {
            "an integer"
        }
        ValueKind::Float(_) => "a float",
        ValueKind::String(_) => "a string",
        ValueKind::Table(_) => "a table",
        ValueKind::Array(_) => "an array",
    }
}

/// A scalar as the user wrote it, escaped so that an error stays on one line. Secrets only go
/// through `string`, whose errors never show the value.
fn show(raw: &ValueKind) -> String {
    match raw {
        ValueKind::String(s) => format!("{s:?}"),
        ValueKind::Boolean(b) => b.to_string(),
        ValueKind::I64(n) => n.to_string(),
        ValueKind::I128(n) => n.to_string(),
        ValueKind::U64(n) => n.to_string(),
        ValueKind::U128(n) => n.to_string(),
        ValueKind::Float(f) => format!("{f:?}"),
        other => kind_name(other).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> ValueKind {
        ValueKind::String(text.into())
    }

    #[test]
    fn durations_in_seconds_and_humantime() {
        let five_min = Duration::from_secs(300);
        for raw in [
            s("300"),
            s(" 300 "),
            s("5m"),
            s("300s"),
            s("300.0"),
            ValueKind::I64(300),
            ValueKind::Float(300.0),
        ] {
            assert_eq!(duration(&raw), Ok(five_min), "{raw:?}");
        }
        assert_eq!(duration(&s("0.5")), Ok(Duration::from_millis(500)));
        assert_eq!(duration(&s(".5")), Ok(Duration::from_millis(500)));
        assert_eq!(
            duration(&ValueKind::Float(0.5)),
            Ok(Duration::from_millis(500))
        );
        assert_eq!(duration(&s("500ms")), Ok(Duration::from_millis(500)));
        assert_eq!(duration(&s("1h 30m")), Ok(Duration::from_secs(5400)));
        assert_eq!(duration(&s("1d")), Ok(Duration::from_secs(86_400)));
        assert_eq!(duration(&s("90s")), Ok(Duration::from_secs(90)));
        assert_eq!(duration(&s("0")), Ok(Duration::ZERO));
    }

    #[test]
    fn bad_durations() {
        assert_eq!(
            duration(&s("abc")).unwrap_err(),
            r#"invalid duration "abc" (use seconds, or e.g. 5m, 1h, 1d)"#
        );
        for raw in [
            s("-5"),
            s("-5m"),
            s("-0.5"),
            ValueKind::I64(-1),
            ValueKind::Float(-0.1),
        ] {
            let err = duration(&raw).unwrap_err();
            assert!(err.ends_with("(must not be negative)"), "{err}");
        }
        for raw in [s("1e3"), s("inf"), s("NaN"), s("5 parsecs"), s("1.2.3")] {
            assert!(
                duration(&raw).unwrap_err().contains(DURATION_HINT),
                "{raw:?}"
            );
        }
        for raw in [
            s("99999999999999999999999"),
            s("2000y"),
            ValueKind::I64(i64::MAX),
            ValueKind::Float(f64::INFINITY),
        ] {
            assert!(
                duration(&raw)
                    .unwrap_err()
                    .ends_with("(at most 1000 years)"),
                "{raw:?}"
            );
        }
        assert_eq!(
            duration(&ValueKind::Boolean(true)).unwrap_err(),
            "expected a duration, got a boolean"
        );
        assert!(
            duration(&s("none"))
                .unwrap_err()
                .starts_with("cannot be unset")
        );
    }

    #[test]
    fn booleans() {
        for yes in ["true", "TRUE", "True", "1", "yes", "on", " On "] {
            assert_eq!(boolean(&s(yes)), Ok(true), "{yes}");
        }
        for no in ["false", "FALSE", "0", "no", "off", "Off"] {
            assert_eq!(boolean(&s(no)), Ok(false), "{no}");
        }
        assert_eq!(boolean(&ValueKind::Boolean(true)), Ok(true));
        assert_eq!(boolean(&ValueKind::I64(0)), Ok(false));
        assert_eq!(
            boolean(&s("maybe")).unwrap_err(),
            r#"invalid boolean "maybe" (use true or false)"#
        );
        assert_eq!(
            boolean(&ValueKind::I64(2)).unwrap_err(),
            "invalid boolean 2 (use true or false)"
        );
    }

    #[test]
    fn lists() {
        let want = vec!["Bearer".to_owned(), "JWT".to_owned()];
        assert_eq!(string_list(&s(r#"["Bearer", "JWT"]"#)), Ok(want.clone()));
        assert_eq!(string_list(&s(" Bearer , JWT,, ")), Ok(want.clone()));
        let array = ValueKind::Array(vec!["Bearer".into(), "JWT".into()]);
        assert_eq!(string_list(&array), Ok(want));
        assert_eq!(string_list(&s("Bearer")), Ok(vec!["Bearer".to_owned()]));
        assert!(
            string_list(&s("[\"a\","))
                .unwrap_err()
                .starts_with("invalid JSON list")
        );
        assert!(
            string_list(&s("[1, 2]"))
                .unwrap_err()
                .starts_with("invalid JSON list")
        );
        let mixed = ValueKind::Array(vec!["a".into(), 1i64.into()]);
        assert_eq!(
            string_list(&mixed).unwrap_err(),
            "list items must be strings, got an integer"
        );
    }

    #[test]
    fn unset_words() {
        for raw in [
            s("none"),
            s("NONE"),
            s("null"),
            s("Null"),
            s(""),
            s("  "),
            ValueKind::Nil,
        ] {
            assert!(is_unset(&raw), "{raw:?}");
            assert_eq!(optional(&raw, string), Ok(None));
        }
        assert_eq!(optional(&s("x"), string), Ok(Some("x".to_owned())));
        assert!(!is_unset(&s("nonesuch")));
    }

    #[test]
    fn integers_and_keywords() {
        assert_eq!(integer(&s(" 42 ")), Ok(42));
        assert_eq!(integer(&ValueKind::I64(42)), Ok(42));
        assert_eq!(
            integer(&s("-3")).unwrap_err(),
            r#"invalid integer "-3" (must not be negative)"#
        );
        assert_eq!(integer(&s("4k")).unwrap_err(), r#"invalid integer "4k""#);
        assert_eq!(
            integer(&ValueKind::Float(1.0)).unwrap_err(),
            "expected an integer, got a float"
        );
        assert_eq!(
            count::<u32>(&s("0"), 1).unwrap_err(),
            "must be at least 1, got 0"
        );
        assert_eq!(
            count::<u32>(&s("4294967296"), 1).unwrap_err(),
            "4294967296 is too large"
        );
        assert_eq!(keyword(&s("JSON"), &[("text", 1), ("json", 2)]), Ok(2));
        assert_eq!(
            keyword(&s("xml"), &[("text", 1), ("json", 2)]).unwrap_err(),
            r#"invalid value "xml" (expected one of: text, json)"#
        );
    }
}
