//! Python's `json` module as DRF's `JSONParser` sees it, and Python's `str()`
//! of the numbers it produces.
//!
//! DRF decodes request bodies with CPython's C scanner, so its error messages
//! (positions included) and its leniencies reach clients. `loads` follows
//! that scanner step by step instead of mapping serde_json's errors: the two
//! disagree on too many details (positions counted in characters, lone
//! surrogate escapes accepted, `NaN` spelled out, ints over 4300 digits
//! refused) for a mapping to stay faithful, and serde_json refuses lone
//! surrogates outright. serde_json still holds the result ([`Value`]).

use serde_json::{Map, Number, Value};
use std::str::FromStr;

/// Python's `str()` of the number a JSON number literal parses to.
///
/// A literal without fraction or exponent is a Python `int` (exact digits at
/// any size); anything else is a `float`, printed the way `repr()` does.
pub fn py_str_number(n: &Number) -> String {
    let text = n.as_str();
    if text.contains(['.', 'e', 'E']) {
        match text.parse::<f64>() {
            Ok(x) => py_float_repr(x),
            // Unreachable for numbers serde_json accepted; keep the text rather than panic.
            Err(_) => text.to_owned(),
        }
    } else {
        py_int_str(text)
    }
}

fn py_int_str(text: &str) -> String {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        // Python has no negative zero integer: int("-0") is 0.
        "0".to_owned()
    } else if negative {
        format!("-{digits}")
    } else {
        digits.to_owned()
    }
}

/// `repr(float)`: the shortest digits that round-trip, positional notation
/// while the decimal exponent is in -4..16, scientific (`1e+16`, `1e-05`)
/// outside it, and a `.0` on integral values.
fn py_float_repr(x: f64) -> String {
    if x.is_nan() {
        return "nan".to_owned();
    }
    let sign = if x.is_sign_negative() { "-" } else { "" };
    if x.is_infinite() {
        return format!("{sign}inf");
    }
    if x == 0.0 {
        return format!("{sign}0.0");
    }
    // Python prints the shortest digit count that round-trips, with the digits
    // correctly rounded (half to even) from the exact binary value. Rust's
    // `{:e}` finds the same count but breaks exact ties upwards
    // (188571447730000.125 gives ...0.13, Python ...0.12), while Rust's
    // fixed-precision `{:.N$e}` rounds half to even. So take the count from
    // the one and the digits from the other.
    let (shortest, _) = split_sci(&format!("{:e}", x.abs()));
    let precision = shortest.len().saturating_sub(1);
    let (digits, exponent) = split_sci(&format!("{:.precision$e}", x.abs()));
    let digits = match digits.trim_end_matches('0') {
        "" => "0".to_owned(),
        trimmed => trimmed.to_owned(),
    };
    // Python's `decpt`: the value is 0.<digits> * 10**decpt.
    let decpt = exponent + 1;
    let n = digits.len() as i64;
    let body = if -4 < decpt && decpt <= 16 {
        if decpt <= 0 {
            format!("0.{}{digits}", "0".repeat((-decpt) as usize))
        } else if decpt >= n {
            format!("{digits}{}.0", "0".repeat((decpt - n) as usize))
        } else {
            let (int, frac) = digits.split_at(decpt as usize);
            format!("{int}.{frac}")
        }
    } else {
        let (first, rest) = digits.split_at(1.min(digits.len()));
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        if rest.is_empty() {
            format!("{first}e{exp_sign}{:02}", exponent.abs())
        } else {
            format!("{first}.{rest}e{exp_sign}{:02}", exponent.abs())
        }
    };
    format!("{sign}{body}")
}

/// The significant digits and the exponent of Rust's `{:e}` output.
fn split_sci(sci: &str) -> (String, i64) {
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci, "0"));
    let digits = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exponent.parse().unwrap_or(0))
}

/// Why [`loads`] refused a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JsonError {
    /// Python raised a `ValueError`; this is its `str()`, which DRF puts
    /// after `JSON parse error - `.
    Invalid(String),
    /// Python raised `RecursionError`, which DRF does not catch (a 500).
    TooDeep,
}

/// Nesting depth at which CPython's scanner runs out of recursion budget.
///
/// The budget is the interpreter's recursion limit (1000) minus the frames
/// already on the stack when DRF parses (about 15 in a bare view, a few dozen
/// under a WSGI server and middleware), so the exact figure varies by
/// deployment; this sits inside that range.
pub(crate) const MAX_DEPTH: usize = 950;

/// Python's `int()` refuses to convert longer digit strings (CVE-2020-10735).
const INT_MAX_STR_DIGITS: usize = 4300;

// Lone UTF-16 surrogates are valid in Python strings (and `json.loads` yields
// them for escapes such as "\ud800"), but a Rust `String` cannot hold them.
// They are stored as MARK followed by a character of Plane 15's private use
// area (U+F0000 + offset from U+D800), and a literal MARK in the input is
// doubled, so every Python string has exactly one encoding and strings
// without either (all real-world input) are stored unchanged. MARK is a
// Unicode noncharacter, the code points set aside for internal use like
// this. [`py_code_points`] undoes the encoding.
const MARK: char = '\u{FDD0}';
const SURROGATE_BASE: u32 = 0xF0000;

fn push_code_point(out: &mut String, cp: u32) {
    if (0xD800..=0xDFFF).contains(&cp) {
        out.push(MARK);
        if let Some(c) = char::from_u32(SURROGATE_BASE + (cp - 0xD800)) {
            out.push(c);
        }
    } else if let Some(c) = char::from_u32(cp) {
        if c == MARK {
            out.push(MARK);
        }
        out.push(c);
    }
}

/// The Python string a [`loads`] string stands for, as code points (lone
/// surrogates included).
pub(crate) fn py_code_points(s: &str) -> Vec<u32> {
    let mut out = Vec::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != MARK {
            out.push(u32::from(c));
            continue;
        }
        match chars.peek().copied() {
            Some(MARK) => {
                chars.next();
                out.push(u32::from(MARK));
            }
            Some(next) if (SURROGATE_BASE..SURROGATE_BASE + 0x800).contains(&u32::from(next)) => {
                chars.next();
                out.push(u32::from(next) - SURROGATE_BASE + 0xD800);
            }
            _ => out.push(u32::from(c)),
        }
    }
    out
}

/// `json.loads(text)` with DRF's `parse_constant` (which refuses `NaN`,
/// `Infinity` and `-Infinity`).
pub(crate) fn loads(text: &str) -> Result<Value, JsonError> {
    let scanner = Scanner {
        s: text.chars().collect(),
    };
    scanner.decode().map_err(|fail| match fail {
        Fail::Stop(pos) => JsonError::Invalid(scanner.located("Expecting value", pos)),
        Fail::At(msg, pos) => JsonError::Invalid(scanner.located(msg, pos)),
        Fail::Plain(msg) => JsonError::Invalid(msg),
        Fail::TooDeep => JsonError::TooDeep,
    })
}

enum Fail {
    /// StopIteration: no value starts here; reported as "Expecting value".
    Stop(usize),
    /// JSONDecodeError: the message gets " line L column C (char P)".
    At(&'static str, usize),
    /// Any other ValueError, reported without position.
    Plain(String),
    TooDeep,
}

struct Scanner {
    s: Vec<char>,
}

/// An open container: the items so far, or the members so far and the name
/// of the member being read.
enum Frame {
    Array(Vec<Value>),
    Object(Map<String, Value>, String),
}

fn is_ws(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn hex_value(c: char) -> Option<u32> {
    c.to_digit(16)
}

impl Scanner {
    fn at(&self, i: usize) -> Option<char> {
        self.s.get(i).copied()
    }

    fn skip_ws(&self, mut i: usize) -> usize {
        while self.at(i).is_some_and(is_ws) {
            i += 1;
        }
        i
    }

    /// JSONDecodeError's text: line and column are 1-based, char 0-based,
    /// all counted in characters.
    fn located(&self, msg: &str, pos: usize) -> String {
        let before = &self.s[..pos.min(self.s.len())];
        let line = before.iter().filter(|&&c| c == '\n').count() + 1;
        let col = match before.iter().rposition(|&c| c == '\n') {
            Some(nl) => pos - nl,
            None => pos + 1,
        };
        format!("{msg}: line {line} column {col} (char {pos})")
    }

    fn decode(&self) -> Result<Value, Fail> {
        if self.at(0) == Some('\u{feff}') {
            return Err(Fail::At("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0));
        }
        let start = self.skip_ws(0);
        let (value, end) = self.scan_once(start)?;
        let end = self.skip_ws(end);
        if end != self.s.len() {
            return Err(Fail::At("Extra data", end));
        }
        Ok(value)
    }

    fn literal(&self, idx: usize, word: &str) -> bool {
        let len = word.chars().count();
        idx + len <= self.s.len() && self.s[idx..idx + len].iter().copied().eq(word.chars())
    }

    /// `scan_once`, with the recursion of CPython's scanner unrolled onto an
    /// explicit stack so that nesting cannot exhaust the thread's stack.
    fn scan_once(&self, start: usize) -> Result<(Value, usize), Fail> {
        let mut stack: Vec<Frame> = Vec::new();
        let mut idx = start;
        'value: loop {
            let (mut value, mut end) = match self.at(idx) {
                Some(open @ ('{' | '[')) => {
                    // CPython counts the container before looking inside,
                    // so even an empty one can hit the limit.
                    if stack.len() >= MAX_DEPTH {
                        return Err(Fail::TooDeep);
                    }
                    let inner = self.skip_ws(idx + 1);
                    match (open, self.at(inner)) {
                        ('{', Some('}')) => (Value::Object(Map::new()), inner + 1),
                        ('[', Some(']')) => (Value::Array(Vec::new()), inner + 1),
                        ('{', _) => {
                            let (key, value_start) = self.object_key(inner)?;
                            stack.push(Frame::Object(Map::new(), key));
                            idx = value_start;
                            continue 'value;
                        }
                        _ => {
                            stack.push(Frame::Array(Vec::new()));
                            idx = inner;
                            continue 'value;
                        }
                    }
                }
                _ => self.scan_scalar(idx)?,
            };
            // Hand the finished value to the enclosing containers, closing
            // every one that ends right after it.
            loop {
                let Some(frame) = stack.last_mut() else {
                    return Ok((value, end));
                };
                let after = self.skip_ws(end);
                let close = match frame {
                    Frame::Array(items) => {
                        items.push(value);
                        ']'
                    }
                    Frame::Object(map, key) => {
                        // A repeated key keeps its first position and takes
                        // the last value, like a Python dict (and IndexMap).
                        map.insert(std::mem::take(key), value);
                        '}'
                    }
                };
                match self.at(after) {
                    Some(c) if c == close => {
                        value = match stack.pop() {
                            Some(Frame::Array(items)) => Value::Array(items),
                            Some(Frame::Object(map, _)) => Value::Object(map),
                            None => Value::Null,
                        };
                        end = after + 1;
                    }
                    Some(',') => {
                        let next = self.skip_ws(after + 1);
                        idx = match stack.last_mut() {
                            Some(Frame::Object(_, key)) => {
                                let (next_key, value_start) = self.object_key(next)?;
                                *key = next_key;
                                value_start
                            }
                            _ => next,
                        };
                        continue 'value;
                    }
                    _ => return Err(Fail::At("Expecting ',' delimiter", after)),
                }
            }
        }
    }

    /// A member name and its `:`; returns the name and where the value starts.
    fn object_key(&self, idx: usize) -> Result<(String, usize), Fail> {
        if self.at(idx) != Some('"') {
            return Err(Fail::At(
                "Expecting property name enclosed in double quotes",
                idx,
            ));
        }
        let (key, next) = self.scan_string(idx + 1)?;
        let colon = self.skip_ws(next);
        if self.at(colon) != Some(':') {
            return Err(Fail::At("Expecting ':' delimiter", colon));
        }
        Ok((key, self.skip_ws(colon + 1)))
    }

    fn scan_scalar(&self, idx: usize) -> Result<(Value, usize), Fail> {
        let Some(c) = self.at(idx) else {
            return Err(Fail::Stop(idx));
        };
        match c {
            '"' => {
                let (s, end) = self.scan_string(idx + 1)?;
                return Ok((Value::String(s), end));
            }
            'n' if self.literal(idx, "null") => return Ok((Value::Null, idx + 4)),
            't' if self.literal(idx, "true") => return Ok((Value::Bool(true), idx + 4)),
            'f' if self.literal(idx, "false") => return Ok((Value::Bool(false), idx + 5)),
            'N' if self.literal(idx, "NaN") => return Err(out_of_range("NaN")),
            'I' if self.literal(idx, "Infinity") => return Err(out_of_range("Infinity")),
            '-' if self.literal(idx, "-Infinity") => return Err(out_of_range("-Infinity")),
            _ => {}
        }
        self.match_number(idx)
    }

    /// `scanstring` in strict mode; `start` is just past the opening quote.
    fn scan_string(&self, start: usize) -> Result<(String, usize), Fail> {
        let begin = start - 1;
        let len = self.s.len();
        let mut out = String::new();
        let mut end = start;
        loop {
            let mut next = end;
            let mut terminator = None;
            while next < len {
                let d = self.s[next];
                if d == '"' || d == '\\' {
                    terminator = Some(d);
                    break;
                }
                if u32::from(d) <= 0x1f {
                    return Err(Fail::At("Invalid control character at", next));
                }
                next += 1;
            }
            let Some(terminator) = terminator else {
                return Err(Fail::At("Unterminated string starting at", begin));
            };
            for &c in &self.s[end..next] {
                push_code_point(&mut out, u32::from(c));
            }
            next += 1;
            if terminator == '"' {
                return Ok((out, next));
            }
            let Some(esc) = self.at(next) else {
                return Err(Fail::At("Unterminated string starting at", begin));
            };
            if esc != 'u' {
                let c = match esc {
                    '"' => '"',
                    '\\' => '\\',
                    '/' => '/',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    _ => return Err(Fail::At("Invalid \\escape", next - 1)),
                };
                out.push(c);
                end = next + 1;
                continue;
            }
            // \uXXXX: CPython insists on a character after the four digits
            // (`end >= len` is an error), and reports bad digits at the `u`.
            next += 1;
            end = next + 4;
            if end >= len {
                return Err(Fail::At("Invalid \\uXXXX escape", next - 1));
            }
            let mut c = self.hex4(next, end)?;
            if (0xD800..=0xDBFF).contains(&c)
                && end + 6 < len
                && self.s[end] == '\\'
                && self.s[end + 1] == 'u'
            {
                let c2 = self.hex4(end + 2, end + 6)?;
                if (0xDC00..=0xDFFF).contains(&c2) {
                    c = 0x10000 + ((c - 0xD800) << 10) + (c2 - 0xDC00);
                    end += 6;
                }
            }
            push_code_point(&mut out, c);
        }
    }

    fn hex4(&self, from: usize, to: usize) -> Result<u32, Fail> {
        let mut c = 0u32;
        for &d in &self.s[from..to] {
            match hex_value(d) {
                Some(v) => c = (c << 4) | v,
                None => return Err(Fail::At("Invalid \\uXXXX escape", to - 5)),
            }
        }
        Ok(c)
    }

    fn digit(&self, i: usize) -> bool {
        self.at(i).is_some_and(|c| c.is_ascii_digit())
    }

    /// `_match_number_unicode`: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?`.
    fn match_number(&self, start: usize) -> Result<(Value, usize), Fail> {
        let mut idx = start;
        if self.at(idx) == Some('-') {
            idx += 1;
        }
        match self.at(idx) {
            Some('1'..='9') => {
                idx += 1;
                while self.digit(idx) {
                    idx += 1;
                }
            }
            Some('0') => idx += 1,
            _ => return Err(Fail::Stop(start)),
        }
        let mut is_float = false;
        if self.at(idx) == Some('.') && self.digit(idx + 1) {
            is_float = true;
            idx += 2;
            while self.digit(idx) {
                idx += 1;
            }
        }
        if matches!(self.at(idx), Some('e' | 'E')) {
            let mut e = idx + 1;
            if matches!(self.at(e), Some('-' | '+')) {
                e += 1;
            }
            if self.digit(e) {
                while self.digit(e) {
                    e += 1;
                }
                is_float = true;
                idx = e;
            }
        }
        let text: String = self.s[start..idx].iter().collect();
        if !is_float {
            let digits = text.trim_start_matches('-').len();
            if digits > INT_MAX_STR_DIGITS {
                return Err(Fail::Plain(format!(
                    "Exceeds the limit ({INT_MAX_STR_DIGITS} digits) for integer string \
                     conversion: value has {digits} digits; use sys.set_int_max_str_digits() \
                     to increase the limit"
                )));
            }
        }
        match Number::from_str(&text) {
            Ok(n) => Ok((Value::Number(n), idx)),
            // The text matched JSON's number grammar, which serde_json accepts.
            Err(_) => Err(Fail::Stop(start)),
        }
    }
}

fn out_of_range(literal: &str) -> Fail {
    Fail::Plain(format!(
        "Out of range float values are not JSON compliant: '{literal}'"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(text: &str) -> Number {
        Number::from_str(text).expect("JSON number")
    }

    #[test]
    fn python_str_of_numbers() {
        let cases = [
            ("0", "0"),
            ("-0", "0"),
            ("123", "123"),
            ("-42", "-42"),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567890",
            ),
            (
                "-123456789012345678901234567890",
                "-123456789012345678901234567890",
            ),
            ("1.5", "1.5"),
            ("1e20", "1e+20"),
            ("1E20", "1e+20"),
            ("1e+20", "1e+20"),
            ("1e16", "1e+16"),
            ("1e15", "1000000000000000.0"),
            ("123456789012345.0", "123456789012345.0"),
            ("1234567890123456789.0", "1.2345678901234568e+18"),
            ("1e-5", "1e-05"),
            ("0.0001", "0.0001"),
            ("0.00012", "0.00012"),
            ("1.5e-7", "1.5e-07"),
            ("1e100", "1e+100"),
            ("1e-100", "1e-100"),
            ("0.0", "0.0"),
            ("-0.0", "-0.0"),
            ("0e5", "0.0"),
            ("-0e0", "-0.0"),
            ("1e400", "inf"),
            ("-1e400", "-inf"),
            ("1e-400", "0.0"),
            ("100", "100"),
            ("100.0", "100.0"),
            ("2.50", "2.5"),
            ("0.1", "0.1"),
            ("0.30000000000000004", "0.30000000000000004"),
            ("5e-324", "5e-324"),
            ("1.7976931348623157e308", "1.7976931348623157e+308"),
            ("9007199254740993", "9007199254740993"),
            ("9007199254740993.0", "9007199254740992.0"),
            // Exact ties in the last digit round half to even, as in Python.
            ("188571447730000.125", "188571447730000.12"),
            ("805789408712035.25", "805789408712035.2"),
        ];
        for (text, python) in cases {
            assert_eq!(py_str_number(&number(text)), python, "{text}");
        }
        assert_eq!(py_str_number(&Number::from(7u64)), "7");
        assert_eq!(py_str_number(&Number::from(-7i64)), "-7");
        if let Some(n) = Number::from_f64(3.0) {
            assert_eq!(py_str_number(&n), "3.0");
        }
    }

    #[test]
    fn lone_surrogates_survive_decoding() {
        let value = loads(r#"["\ud800", "\udfff", "\ufdd0", "\ufdd0\ud800", "x\ud83d\ude00"]"#)
            .expect("Python accepts lone surrogates");
        let Value::Array(items) = value else {
            panic!("not a list: {value:?}");
        };
        let points: Vec<Vec<u32>> = items
            .iter()
            .map(|item| py_code_points(item.as_str().unwrap_or_default()))
            .collect();
        assert_eq!(
            points,
            vec![
                vec![0xD800],
                vec![0xDFFF],
                vec![0xFDD0],
                vec![0xFDD0, 0xD800],
                vec![u32::from('x'), 0x1F600],
            ]
        );
        // Distinct lone surrogates stay distinct keys.
        let Ok(Value::Object(map)) = loads(r#"{"\ud800": 1, "\ud801": 2, "\ud800": 3}"#) else {
            panic!("object expected");
        };
        assert_eq!(map.len(), 2);
    }

    #[test]
    fn repeated_keys_keep_first_position_last_value() {
        let value = loads(r#"{"a": 1, "b": 2, "a": 3}"#).expect("object");
        assert_eq!(
            serde_json::to_string(&value).ok().as_deref(),
            Some(r#"{"a":3,"b":2}"#)
        );
    }

    #[test]
    fn escapes() {
        let value = loads(r#""\"\\\/\b\f\n\r\t\u00e9\u0041""#).expect("string");
        assert_eq!(value, Value::String("\"\\/\u{8}\u{c}\n\r\téA".to_owned()));
    }

    #[test]
    fn nesting_limit() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(loads(&nested(MAX_DEPTH)).is_ok());
        assert_eq!(loads(&nested(MAX_DEPTH + 1)), Err(JsonError::TooDeep));
        // The limit is hit before the syntax error further on.
        assert_eq!(loads(&"[".repeat(MAX_DEPTH + 1)), Err(JsonError::TooDeep));
        assert_eq!(
            loads(&"[".repeat(10)),
            Err(JsonError::Invalid(
                "Expecting value: line 1 column 11 (char 10)".to_owned()
            ))
        );
    }
}
