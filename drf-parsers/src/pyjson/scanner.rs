//! `json.loads` following CPython's C scanner (see the parent module for why).

use serde_json::{Map, Number, Value};
use std::str::FromStr;

use super::surrogates::push_code_point;

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
