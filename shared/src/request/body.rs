//! DRF's `request.data` with the default parsers (`JSONParser`, `FormParser`,
//! `MultiPartParser`), including the Django machinery underneath them
//! (`QueryDict`, Django's own multipart parser, the request charset).

use super::fields::py_strip;
use super::negotiation::MediaType;
use crate::errors::ApiError;
use crate::pyjson::{self, JsonError};
use bytes::Bytes;
use serde_json::Value;

/// One value of the request data.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// A value of a JSON object body. Strings holding lone surrogates
    /// (`"\ud800"`, which Python accepts) or U+FDD0 are stored in an
    /// internal encoding that `char_field` understands; all other strings
    /// are stored as sent.
    Json(Value),
    /// A form field or a multipart text part.
    Text(String),
    /// A multipart file part.
    File,
}

/// DRF's `request.data`: ordered `(name, value)` pairs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RequestData {
    pairs: Vec<(String, FieldValue)>,
}

impl RequestData {
    pub fn empty() -> Self {
        Self::default()
    }

    pub(crate) fn from_pairs(pairs: Vec<(String, FieldValue)>) -> Self {
        Self { pairs }
    }

    /// DRF's data.get(name): for repeated keys the LAST one wins.
    pub fn get(&self, name: &str) -> Option<&FieldValue> {
        self.pairs
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }
}

/// DRF's `request.data`: chooses a parser by Content-Type and parses.
/// `content_type` is the raw header value (None when absent).
pub async fn parse_body(content_type: Option<&str>, body: Bytes) -> Result<RequestData, ApiError> {
    parse(content_type, &body)
}

fn parse(content_type: Option<&str>, body: &[u8]) -> Result<RequestData, ApiError> {
    // DRF does not even look at the Content-Type of an empty body.
    if body.is_empty() {
        return Ok(RequestData::empty());
    }
    // A missing header reaches DRF as "", which matches no parser.
    let raw = content_type.unwrap_or("");
    let media_type = MediaType::parse(raw);
    let charset = Charset::of(media_type.param("charset"));
    if MediaType::parse("application/json").matches(&media_type) {
        parse_json(body, charset)
    } else if MediaType::parse("application/x-www-form-urlencoded").matches(&media_type) {
        Ok(parse_form(body, charset))
    } else if MediaType::parse("multipart/form-data").matches(&media_type) {
        parse_multipart(raw, body, charset)
    } else {
        Err(ApiError::unsupported_media_type(raw))
    }
}

// ---------------------------------------------------------------- JSON

fn parse_json(body: &[u8], charset: Charset) -> Result<RequestData, ApiError> {
    let json_error = |reason: &str| ApiError::parse_error(format!("JSON parse error - {reason}"));
    let text = charset.decode_stream(body).map_err(|e| json_error(&e))?;
    let value = match pyjson::loads(&text) {
        Ok(value) => value,
        Err(JsonError::Invalid(reason)) => return Err(json_error(&reason)),
        // Python's RecursionError escapes DRF's handler and Django answers 500;
        // we never answer 500 for bad input, so it is a parse error here.
        Err(JsonError::TooDeep) => {
            return Err(json_error(
                "maximum recursion depth exceeded while decoding a JSON document",
            ));
        }
    };
    // The serializer's own checks, which come first in every view that
    // reads these fields.
    match value {
        Value::Object(map) => Ok(RequestData::from_pairs(
            map.into_iter()
                .map(|(key, value)| (key, FieldValue::Json(value)))
                .collect(),
        )),
        Value::Null => Err(ApiError::non_field_error("No data provided")),
        other => Err(ApiError::non_field_error(format!(
            "Invalid data. Expected a dictionary, but got {}.",
            python_type_name(&other)
        ))),
    }
}

fn python_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.as_str().contains(['.', 'e', 'E']) => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

// ---------------------------------------------------------------- form

/// Django's `QueryDict(body)`: strict decode with the request charset (the
/// whole body falls back to Latin-1 when that fails), then `parse_qsl` with
/// `keep_blank_values`: split at `&` only, skip empty pieces, `+` is a space,
/// percent escapes decoded with the charset and `errors="replace"`.
fn parse_form(body: &[u8], charset: Charset) -> RequestData {
    let text = charset
        .decode_strict(body)
        .unwrap_or_else(|| Charset::Latin1.decode_lossy(body));
    let pairs = text
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            (
                unquote(&name.replace('+', " "), charset),
                FieldValue::Text(unquote(&value.replace('+', " "), charset)),
            )
        })
        .collect();
    RequestData::from_pairs(pairs)
}

/// `urllib.parse.unquote(s, charset, "replace")`: each run of ASCII
/// characters is percent-decoded and decoded on its own; other characters
/// pass through untouched.
fn unquote(s: &str, charset: Charset) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        let ascii_len = rest.find(|c: char| !c.is_ascii()).unwrap_or(rest.len());
        let (ascii, tail) = rest.split_at(ascii_len);
        if !ascii.is_empty() {
            out.push_str(&charset.decode_lossy(&percent_decode(ascii.as_bytes())));
        }
        let other_len = tail.find(|c: char| c.is_ascii()).unwrap_or(tail.len());
        let (other, tail) = tail.split_at(other_len);
        out.push_str(other);
        rest = tail;
    }
    out
}

/// `unquote_to_bytes`: `%` plus two hex digits is a byte, any other `%` stays.
fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%' {
            let hi = input.get(i + 1).and_then(|&b| char::from(b).to_digit(16));
            let lo = input.get(i + 2).and_then(|&b| char::from(b).to_digit(16));
            if let (Some(hi), Some(lo)) = (hi, lo) {
                // Two hex digits always fit a byte.
                out.push(u8::try_from(hi * 16 + lo).unwrap_or(0));
                i += 3;
                continue;
            }
        }
        out.push(input[i]);
        i += 1;
    }
    out
}

// ---------------------------------------------------------------- multipart

fn multipart_error(message: &str) -> ApiError {
    ApiError::parse_error(format!("Multipart form parse error - {message}"))
}

/// Headers of a part above this size make Django give up
/// (`MAX_TOTAL_HEADER_SIZE`).
const MAX_PART_HEADER: usize = 1024;

/// Django's `MultiPartParser`, which is lenient: it splits the body at every
/// `--boundary` wherever it occurs, needs no final boundary, skips parts it
/// cannot make sense of, and fails only on a bad Content-Type or boundary,
/// oversized part headers and undecodable base64 files.
///
/// The data holds the text parts in body order, then the files (DRF merges
/// `FILES` into `POST` after parsing, so a file wins over a text part of the
/// same name).
fn parse_multipart(
    content_type: &str,
    body: &[u8],
    charset: Charset,
) -> Result<RequestData, ApiError> {
    // Django checks the raw header, case-sensitively, after DRF chose the
    // parser case-insensitively.
    if !content_type.starts_with("multipart/") {
        return Err(multipart_error(&format!(
            "Invalid Content-Type: {content_type}"
        )));
    }
    if !content_type.is_ascii() {
        return Err(multipart_error(&format!(
            "Invalid non-ASCII Content-Type in multipart: {content_type}"
        )));
    }
    let boundary = match MediaType::parse(content_type).param("boundary") {
        None => return Err(multipart_error("Invalid boundary in multipart: None")),
        Some(b) if !valid_boundary(b) => {
            return Err(multipart_error(&format!(
                "Invalid boundary in multipart: {b}"
            )));
        }
        Some(b) => b.to_owned(),
    };
    let separator = [b"--".as_slice(), boundary.as_bytes()].concat();

    let mut texts = Vec::new();
    let mut files = Vec::new();
    // A file is stored when the next part starts, so a file that is the last
    // thing in the body is lost, as in Django.
    let mut pending_file: Option<String> = None;
    for raw_part in split_parts(body, &separator) {
        if let Some(name) = pending_file.take() {
            files.push((name, FieldValue::File));
        }
        let part = parse_part(raw_part)?;
        let Some(disposition) = part.header("content-disposition") else {
            continue;
        };
        let Some(raw_name) = disposition.param("name") else {
            continue;
        };
        let name = charset.decode_lossy(bytes_strip(raw_name));
        let transfer_encoding = part
            .header("content-transfer-encoding")
            .map(|h| py_strip(&h.value).to_owned());
        let base64 = transfer_encoding.as_deref() == Some("base64");
        match part.kind {
            PartKind::Field => {
                let data = if base64 {
                    a2b_base64(part.data).unwrap_or_else(|| part.data.to_vec())
                } else {
                    part.data.to_vec()
                };
                texts.push((name, FieldValue::Text(charset.decode_lossy(&data))));
            }
            PartKind::File => {
                let filename = disposition.param("filename").unwrap_or_default();
                if !usable_file_name(&charset.decode_lossy(filename)) {
                    continue;
                }
                if base64 && !base64_file_decodes(part.data) {
                    return Err(multipart_error("Could not decode base64 data."));
                }
                pending_file = Some(name);
            }
            PartKind::Raw => {}
        }
    }
    texts.extend(files);
    Ok(RequestData::from_pairs(texts))
}

/// `[ -~]{0,200}[!-~]`, matched in full.
fn valid_boundary(boundary: &str) -> bool {
    let bytes = boundary.as_bytes();
    (1..=201).contains(&bytes.len())
        && bytes.iter().all(|b| (b' '..=b'~').contains(b))
        && bytes.last() != Some(&b' ')
}

/// The pieces between separators: everything before a separator, less one
/// `\n` and then one `\r` right before it. A piece follows the last
/// separator only if at least one byte does.
fn split_parts<'a>(body: &'a [u8], separator: &[u8]) -> Vec<&'a [u8]> {
    let mut parts = Vec::new();
    let mut pos = 0;
    while pos < body.len() {
        let rest = &body[pos..];
        match find(rest, separator) {
            Some(i) => {
                let mut part = &rest[..i];
                if let Some(p) = part.strip_suffix(b"\n") {
                    part = p;
                }
                if let Some(p) = part.strip_suffix(b"\r") {
                    part = p;
                }
                parts.push(part);
                pos += i + separator.len();
            }
            None => {
                parts.push(rest);
                pos = body.len();
            }
        }
    }
    parts
}

/// First occurrence of `needle` in `haystack` (Knuth-Morris-Pratt, so a
/// hostile body cannot make the search quadratic).
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    let mut failure = vec![0usize; needle.len()];
    let mut k = 0;
    for i in 1..needle.len() {
        while k > 0 && needle[i] != needle[k] {
            k = failure[k - 1];
        }
        if needle[i] == needle[k] {
            k += 1;
        }
        failure[i] = k;
    }
    let mut k = 0;
    for (i, &b) in haystack.iter().enumerate() {
        while k > 0 && b != needle[k] {
            k = failure[k - 1];
        }
        if b == needle[k] {
            k += 1;
            if k == needle.len() {
                return Some(i + 1 - k);
            }
        }
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PartKind {
    /// No headers or no Content-Disposition: ignored.
    Raw,
    Field,
    File,
}

struct PartHeader {
    name: String,
    value: String,
    params: Vec<(String, Vec<u8>)>,
}

impl PartHeader {
    fn param(&self, name: &str) -> Option<&[u8]> {
        self.params
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_slice())
    }
}

struct Part<'a> {
    kind: PartKind,
    headers: Vec<PartHeader>,
    data: &'a [u8],
}

impl Part<'_> {
    fn header(&self, name: &str) -> Option<&PartHeader> {
        self.headers.iter().rev().find(|h| h.name == name)
    }
}

/// Django's `parse_boundary_stream`.
fn parse_part(part: &[u8]) -> Result<Part<'_>, ApiError> {
    let raw = Part {
        kind: PartKind::Raw,
        headers: Vec::new(),
        data: part,
    };
    // The headers must end within the first chunk Django reads.
    let head = &part[..part.len().min(MAX_PART_HEADER)];
    let Some(header_end) = find(head, b"\r\n\r\n") else {
        if part.len() >= MAX_PART_HEADER {
            return Err(multipart_error("Request max total header size exceeded."));
        }
        return Ok(raw);
    };
    let mut kind = PartKind::Raw;
    let mut headers = Vec::new();
    for line in split_bytes(&part[..header_end], b"\r\n") {
        // Django skips lines that are not UTF-8 or have no colon.
        let Ok(line) = std::str::from_utf8(line) else {
            continue;
        };
        let (main, params) = super::negotiation::parse_header_parameters(line);
        let Some((name, value)) = main.split_once(':') else {
            continue;
        };
        let params: Vec<(String, Vec<u8>)> = params
            .into_iter()
            .map(|(key, value)| (key, value.into_bytes()))
            .collect();
        if name == "content-disposition" {
            let has_filename = params
                .iter()
                .rev()
                .find(|(key, _)| key == "filename")
                .is_some_and(|(_, value)| !value.is_empty());
            kind = if has_filename {
                PartKind::File
            } else {
                PartKind::Field
            };
        }
        headers.push(PartHeader {
            name: name.to_owned(),
            value: value.to_owned(),
            params,
        });
    }
    if kind == PartKind::Raw {
        return Ok(raw);
    }
    Ok(Part {
        kind,
        headers,
        data: &part[header_end + 4..],
    })
}

fn split_bytes<'a>(mut data: &'a [u8], separator: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    while let Some(i) = find(data, separator) {
        out.push(&data[..i]);
        data = &data[i + separator.len()..];
    }
    out.push(data);
    out
}

/// `bytes.strip()`: ASCII whitespace only.
fn bytes_strip(mut data: &[u8]) -> &[u8] {
    let space = |b: &u8| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c');
    while let Some((first, rest)) = data.split_first() {
        if !space(first) {
            break;
        }
        data = rest;
    }
    while let Some((last, rest)) = data.split_last() {
        if !space(last) {
            break;
        }
        data = rest;
    }
    data
}

/// Django's `sanitize_file_name` keeps the file unless nothing usable is
/// left: HTML entities resolved, directories dropped, non-printable
/// characters removed, and "", "." or ".." refused.
fn usable_file_name(name: &str) -> bool {
    let name = html_unescape(name);
    let name = name.rsplit('/').next().unwrap_or_default();
    let name = name.rsplit('\\').next().unwrap_or_default();
    let name: String = name.chars().filter(|&c| py_isprintable(c)).collect();
    !matches!(name.as_str(), "" | "." | "..")
}

/// Python's `str.isprintable` for one character: false for categories Cc,
/// Cf, Co, Cn, Zl, Zp and Zs other than the space. Without Unicode tables,
/// Cf is limited to the characters in common use and unassigned code points
/// count as printable.
fn py_isprintable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let cp = u32::from(c);
    let format = matches!(
        cp,
        0xAD | 0x600..=0x605
            | 0x61C
            | 0x6DD
            | 0x70F
            | 0x890..=0x891
            | 0x8E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    );
    let private_use = matches!(cp, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD);
    let noncharacter = (0xFDD0..=0xFDEF).contains(&cp) || cp & 0xFFFE == 0xFFFE;
    !(format || private_use || noncharacter)
}

/// `html.unescape`, limited to what can change whether a file name survives:
/// numeric references (with Python's replacements for invalid ones) and the
/// named references for path and space characters.
fn html_unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        match char_reference(after) {
            Some((replacement, used)) => {
                out.push_str(&replacement);
                rest = &after[used..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// One reference after a `&`: its replacement and the bytes it used.
fn char_reference(s: &str) -> Option<(String, usize)> {
    if let Some(num) = s.strip_prefix('#') {
        let (radix, digits_start) = match num.chars().next() {
            Some('x' | 'X') => (16, 2),
            _ => (10, 1),
        };
        let digits: &str = &s[digits_start..];
        let len = digits
            .find(|c: char| !c.is_digit(radix))
            .unwrap_or(digits.len());
        if len == 0 {
            return None;
        }
        let mut used = digits_start + len;
        if s[used..].starts_with(';') {
            used += 1;
        }
        let value = u32::from_str_radix(&digits[..len], radix).unwrap_or(u32::MAX);
        return Some((numeric_reference(value), used));
    }
    const NAMED: [(&str, &str); 14] = [
        ("amp;", "&"),
        ("lt;", "<"),
        ("gt;", ">"),
        ("quot;", "\""),
        ("apos;", "'"),
        ("sol;", "/"),
        ("bsol;", "\\"),
        ("period;", "."),
        ("Tab;", "\t"),
        ("NewLine;", "\n"),
        ("nbsp;", "\u{a0}"),
        ("NonBreakingSpace;", "\u{a0}"),
        ("shy;", "\u{ad}"),
        ("ZeroWidthSpace;", "\u{200b}"),
    ];
    NAMED
        .iter()
        .find(|(name, _)| s.starts_with(name))
        .map(|(name, replacement)| ((*replacement).to_owned(), name.len()))
}

/// `html._replace_charref` for `&#...;`.
fn numeric_reference(value: u32) -> String {
    // HTML5's replacements for C1 controls (Windows-1252), NUL and CR.
    const INVALID_CHARREFS: [(u32, char); 34] = [
        (0x00, '\u{fffd}'),
        (0x0d, '\r'),
        (0x80, '\u{20ac}'),
        (0x81, '\u{81}'),
        (0x82, '\u{201a}'),
        (0x83, '\u{0192}'),
        (0x84, '\u{201e}'),
        (0x85, '\u{2026}'),
        (0x86, '\u{2020}'),
        (0x87, '\u{2021}'),
        (0x88, '\u{02c6}'),
        (0x89, '\u{2030}'),
        (0x8a, '\u{0160}'),
        (0x8b, '\u{2039}'),
        (0x8c, '\u{0152}'),
        (0x8d, '\u{8d}'),
        (0x8e, '\u{017d}'),
        (0x8f, '\u{8f}'),
        (0x90, '\u{90}'),
        (0x91, '\u{2018}'),
        (0x92, '\u{2019}'),
        (0x93, '\u{201c}'),
        (0x94, '\u{201d}'),
        (0x95, '\u{2022}'),
        (0x96, '\u{2013}'),
        (0x97, '\u{2014}'),
        (0x98, '\u{02dc}'),
        (0x99, '\u{2122}'),
        (0x9a, '\u{0161}'),
        (0x9b, '\u{203a}'),
        (0x9c, '\u{0153}'),
        (0x9d, '\u{9d}'),
        (0x9e, '\u{017e}'),
        (0x9f, '\u{0178}'),
    ];
    if let Some((_, c)) = INVALID_CHARREFS.iter().find(|(v, _)| *v == value) {
        return c.to_string();
    }
    if (0xD800..=0xDFFF).contains(&value) || value > 0x10FFFF {
        return "\u{fffd}".to_owned();
    }
    let invalid_codepoint = matches!(value, 0x1..=0x8 | 0xB | 0xE..=0x1F | 0x7F..=0x9F)
        || (0xFDD0..=0xFDEF).contains(&value)
        || value & 0xFFFE == 0xFFFE;
    if invalid_codepoint {
        return String::new();
    }
    char::from_u32(value).map(String::from).unwrap_or_default()
}

fn base64_value(c: u8) -> Option<u32> {
    let v = match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    };
    Some(u32::from(v))
}

/// `binascii.a2b_base64(data, strict_mode=False)` (what `base64.b64decode`
/// runs): characters outside the alphabet are skipped, enough padding ends
/// the input, a partial final quantum is an error (None).
fn a2b_base64(data: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(data.len() / 4 * 3);
    let mut quad_pos = 0u8;
    let mut pads = 0u8;
    let mut left = 0u32;
    for &c in data {
        if c == b'=' {
            if quad_pos >= 2 {
                pads += 1;
                if quad_pos + pads >= 4 {
                    return Some(out);
                }
            }
            continue;
        }
        let Some(v) = base64_value(c) else {
            continue;
        };
        pads = 0;
        // Truncating to a byte is what CPython's `unsigned char` store does.
        match quad_pos {
            0 => {
                quad_pos = 1;
                left = v;
            }
            1 => {
                quad_pos = 2;
                out.push(((left << 2) | (v >> 4)) as u8);
                left = v & 0x0f;
            }
            2 => {
                quad_pos = 3;
                out.push(((left << 4) | (v >> 2)) as u8);
                left = v & 0x03;
            }
            _ => {
                quad_pos = 0;
                out.push(((left << 6) | v) as u8);
                left = 0;
            }
        }
    }
    (quad_pos == 0).then_some(out)
}

/// Django decodes a base64 file in groups of four after dropping ASCII
/// whitespace; a group that does not decode, or a leftover, is an error.
fn base64_file_decodes(data: &[u8]) -> bool {
    let stripped: Vec<u8> = data
        .iter()
        .copied()
        .filter(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c'))
        .collect();
    let aligned = stripped.len() / 4 * 4;
    (aligned == 0 || a2b_base64(&stripped[..aligned]).is_some()) && aligned == stripped.len()
}

// ---------------------------------------------------------------- charsets

/// The request charset, as Django takes it from the Content-Type `charset`
/// parameter (when Python knows the codec) and DRF hands it to the parsers.
///
/// Only the codecs below are implemented; any other name decodes as UTF-8,
/// which is also Django's default for names Python does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Charset {
    Utf8,
    Utf8Sig,
    Latin1,
    Ascii,
}

const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

impl Charset {
    fn of(param: Option<&str>) -> Self {
        let Some(name) = param else {
            return Self::Utf8;
        };
        let normalized = normalize_encoding(name);
        let alias = |n: &str| -> Option<Self> {
            Some(match n {
                "utf_8" | "cp65001" | "u8" | "utf" | "utf8" | "utf8_ucs2" | "utf8_ucs4" => {
                    Self::Utf8
                }
                "utf_8_sig" => Self::Utf8Sig,
                "latin_1" | "iso8859_1" | "8859" | "cp819" | "csisolatin1" | "ibm819"
                | "iso8859" | "iso_8859_1" | "iso_8859_1_1987" | "iso_ir_100" | "l1" | "latin"
                | "latin1" => Self::Latin1,
                "ascii" | "646" | "ansi_x3.4_1968" | "ansi_x3.4_1986" | "ansi_x3_4_1968"
                | "cp367" | "csascii" | "ibm367" | "iso646_us" | "iso_646.irv_1991"
                | "iso_ir_6" | "us" | "us_ascii" => Self::Ascii,
                _ => return None,
            })
        };
        alias(&normalized)
            .or_else(|| alias(&normalized.replace('.', "_")))
            .unwrap_or(Self::Utf8)
    }

    /// `bytes.decode(charset)`: None when it raises.
    fn decode_strict(self, data: &[u8]) -> Option<String> {
        match self {
            Self::Utf8 => std::str::from_utf8(data).ok().map(str::to_owned),
            Self::Utf8Sig => Self::Utf8.decode_strict(data.strip_prefix(UTF8_BOM).unwrap_or(data)),
            Self::Latin1 => Some(data.iter().map(|&b| char::from(b)).collect()),
            Self::Ascii => data.is_ascii().then(|| self.decode_lossy(data)),
        }
    }

    /// `bytes.decode(charset, "replace")`.
    fn decode_lossy(self, data: &[u8]) -> String {
        match self {
            Self::Utf8 => String::from_utf8_lossy(data).into_owned(),
            Self::Utf8Sig => Self::Utf8.decode_lossy(data.strip_prefix(UTF8_BOM).unwrap_or(data)),
            Self::Latin1 => data.iter().map(|&b| char::from(b)).collect(),
            Self::Ascii => data
                .iter()
                .map(|&b| {
                    if b.is_ascii() {
                        char::from(b)
                    } else {
                        '\u{fffd}'
                    }
                })
                .collect(),
        }
    }

    /// `codecs.getreader(charset)(stream).read()`, as JSONParser reads: the
    /// reader never sees the end of the input, so an incomplete UTF-8
    /// sequence at the very end is silently dropped. The error is the text
    /// of Python's UnicodeDecodeError.
    fn decode_stream(self, data: &[u8]) -> Result<String, String> {
        match self {
            Self::Utf8 => utf8_stream(data),
            Self::Utf8Sig => {
                if data.len() < UTF8_BOM.len() && UTF8_BOM.starts_with(data) {
                    Ok(String::new())
                } else {
                    // Positions in errors count from after the BOM, as in Python.
                    utf8_stream(data.strip_prefix(UTF8_BOM).unwrap_or(data))
                }
            }
            Self::Latin1 => Ok(self.decode_lossy(data)),
            Self::Ascii => match data.iter().position(|b| !b.is_ascii()) {
                None => Ok(self.decode_lossy(data)),
                Some(pos) => Err(format!(
                    "'ascii' codec can't decode byte 0x{:02x} in position {pos}: \
                     ordinal not in range(128)",
                    data[pos]
                )),
            },
        }
    }
}

fn utf8_stream(data: &[u8]) -> Result<String, String> {
    let error = match std::str::from_utf8(data) {
        Ok(text) => return Ok(text.to_owned()),
        Err(error) => error,
    };
    let start = error.valid_up_to();
    let valid = String::from_utf8_lossy(&data[..start]).into_owned();
    // Rust and Python both report the maximal invalid subpart, so the ranges
    // agree.
    match error.error_len() {
        None => Ok(valid),
        Some(1) => {
            let byte = data[start];
            let reason = if (0x80..=0xC1).contains(&byte) || byte >= 0xF5 {
                "invalid start byte"
            } else {
                "invalid continuation byte"
            };
            Err(format!(
                "'utf-8' codec can't decode byte 0x{byte:02x} in position {start}: {reason}"
            ))
        }
        Some(len) => Err(format!(
            "'utf-8' codec can't decode bytes in position {start}-{}: invalid continuation byte",
            start + len - 1
        )),
    }
}

/// Python's codec-name normalisation: ASCII letters lower-cased, runs of
/// anything but ASCII alphanumerics and `.` collapsed to one `_`, none at
/// either end.
fn normalize_encoding(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut punct = false;
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            if punct && !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
            punct = false;
        } else {
            punct = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::render_json;
    use crate::request::char_field;
    use serde_json::json;

    fn run(content_type: Option<&str>, body: &[u8]) -> Result<RequestData, ApiError> {
        parse(content_type, body)
    }

    fn error_json(err: &ApiError) -> String {
        render_json(&Value::Object(err.body().clone()))
    }

    /// `(status, rendered body)` of a failed parse.
    fn failure(content_type: Option<&str>, body: &[u8]) -> (u16, String) {
        match run(content_type, body) {
            Ok(data) => panic!("{content_type:?} {body:?} parsed: {data:?}"),
            Err(err) => (err.status().as_u16(), error_json(&err)),
        }
    }

    fn detail(content_type: Option<&str>, body: &[u8]) -> String {
        let (_, body) = failure(content_type, body);
        let value: Value = serde_json::from_str(&body).expect("error body is JSON");
        value["detail"].as_str().unwrap_or_default().to_owned()
    }

    fn text(data: &RequestData, name: &str) -> Option<String> {
        match data.get(name) {
            Some(FieldValue::Text(s)) => Some(s.clone()),
            other => panic!("{name}: {other:?}"),
        }
    }

    #[tokio::test]
    async fn parse_body_is_the_async_entry_point() {
        let data = parse_body(Some("application/json"), Bytes::from_static(b"{\"a\": 1}"))
            .await
            .expect("object");
        assert_eq!(data.get("a"), Some(&FieldValue::Json(json!(1))));
        assert_eq!(RequestData::empty().get("a"), None);
    }

    #[test]
    fn empty_body_is_empty_data_whatever_the_type() {
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/json"),
            Some("multipart/form-data"),
            Some("Multipart/form-data; boundary=x"),
            Some(""),
        ] {
            assert_eq!(run(content_type, b"").expect("empty"), RequestData::empty());
        }
    }

    #[test]
    fn unsupported_media_types() {
        let cases: [(Option<&str>, &str); 8] = [
            (None, ""),
            (Some(""), ""),
            (Some("text/plain"), "text/plain"),
            (
                Some("text/plain; charset=utf-8"),
                "text/plain; charset=utf-8",
            ),
            (Some("application/vnd.api+json"), "application/vnd.api+json"),
            (
                Some("application/json-patch+json"),
                "application/json-patch+json",
            ),
            (Some("text/*"), "text/*"),
            (Some("application"), "application"),
        ];
        for (content_type, shown) in cases {
            let (status, body) = failure(content_type, b"{}");
            assert_eq!(status, 415);
            assert_eq!(
                body,
                format!(r#"{{"detail":"Unsupported media type \"{shown}\" in request."}}"#)
            );
        }
    }

    #[test]
    fn parser_selection() {
        let json_types = [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON;charset=UTF-8",
            " application/json ",
            "*/*",
            "application/*",
            "*/json",
            "*/*; charset=utf-8",
        ];
        for content_type in json_types {
            let data = run(Some(content_type), br#"{"username": "bob"}"#).expect(content_type);
            assert_eq!(
                data.get("username"),
                Some(&FieldValue::Json(json!("bob"))),
                "{content_type}"
            );
        }
        for content_type in [
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=utf-8",
            "APPLICATION/X-WWW-FORM-URLENCODED",
            "*/x-www-form-urlencoded",
        ] {
            let data = run(Some(content_type), b"username=bob").expect(content_type);
            assert_eq!(text(&data, "username").as_deref(), Some("bob"));
        }
    }

    #[test]
    fn json_objects() {
        let data = run(
            Some("application/json; charset=utf-8"),
            r#"{"username": "Zoë", "n": 1, "n": 2, "list": [1, {"a": null}]}"#.as_bytes(),
        )
        .expect("object");
        assert_eq!(data.get("username"), Some(&FieldValue::Json(json!("Zoë"))));
        assert_eq!(data.get("n"), Some(&FieldValue::Json(json!(2))));
        assert_eq!(
            data.get("list"),
            Some(&FieldValue::Json(json!([1, {"a": null}])))
        );
        let data = run(Some("application/json"), b" \r\n\t{}\n").expect("object");
        assert_eq!(data, RequestData::empty());
    }

    #[test]
    fn json_non_objects() {
        let cases: [(&str, &str); 11] = [
            ("null", "No data provided"),
            (" null ", "No data provided"),
            ("[]", "Invalid data. Expected a dictionary, but got list."),
            ("[{}]", "Invalid data. Expected a dictionary, but got list."),
            (
                r#""x""#,
                "Invalid data. Expected a dictionary, but got str.",
            ),
            ("1", "Invalid data. Expected a dictionary, but got int."),
            ("-0", "Invalid data. Expected a dictionary, but got int."),
            ("1.5", "Invalid data. Expected a dictionary, but got float."),
            ("1e3", "Invalid data. Expected a dictionary, but got float."),
            ("true", "Invalid data. Expected a dictionary, but got bool."),
            (
                "false",
                "Invalid data. Expected a dictionary, but got bool.",
            ),
        ];
        for (body, message) in cases {
            let (status, rendered) = failure(Some("application/json"), body.as_bytes());
            assert_eq!(status, 400, "{body}");
            assert_eq!(
                rendered,
                format!(r#"{{"non_field_errors":["{message}"]}}"#),
                "{body}"
            );
        }
    }

    #[test]
    fn json_syntax_errors_read_like_python() {
        let cases: &[(&str, &str)] = &[
            ("x", "Expecting value: line 1 column 1 (char 0)"),
            ("   ", "Expecting value: line 1 column 4 (char 3)"),
            (
                "{",
                "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
            ),
            (
                "{'a': 1}",
                "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
            ),
            (
                r#"{"a":1,}"#,
                "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)",
            ),
            (
                r#"{"a" 1}"#,
                "Expecting ':' delimiter: line 1 column 6 (char 5)",
            ),
            (
                r#"{"a":1 "b":2}"#,
                "Expecting ',' delimiter: line 1 column 8 (char 7)",
            ),
            (r#"{"a":}"#, "Expecting value: line 1 column 6 (char 5)"),
            ("[1,]", "Expecting value: line 1 column 4 (char 3)"),
            ("[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)"),
            ("{}x", "Extra data: line 1 column 3 (char 2)"),
            ("{} {}", "Extra data: line 1 column 4 (char 3)"),
            ("{\n\"a\":\n}", "Expecting value: line 3 column 1 (char 7)"),
            (
                "{\"é\": 1, \"b\" 2}",
                "Expecting ':' delimiter: line 1 column 14 (char 13)",
            ),
            (
                r#"{"a": "b"#,
                "Unterminated string starting at: line 1 column 7 (char 6)",
            ),
            (
                "{\"a\": \"b\nc\"}",
                "Invalid control character at: line 1 column 9 (char 8)",
            ),
            (r#""\x""#, "Invalid \\escape: line 1 column 2 (char 1)"),
            (
                r#""\u12""#,
                "Invalid \\uXXXX escape: line 1 column 3 (char 2)",
            ),
            (
                r#""\u12G4""#,
                "Invalid \\uXXXX escape: line 1 column 3 (char 2)",
            ),
            (
                r#""\ud800\uZZZZ""#,
                "Invalid \\uXXXX escape: line 1 column 9 (char 8)",
            ),
            (
                r#""\u1234"#,
                "Invalid \\uXXXX escape: line 1 column 3 (char 2)",
            ),
            ("01", "Extra data: line 1 column 2 (char 1)"),
            ("-", "Expecting value: line 1 column 1 (char 0)"),
            ("1.", "Extra data: line 1 column 2 (char 1)"),
            ("1e", "Extra data: line 1 column 2 (char 1)"),
            ("1e+", "Extra data: line 1 column 2 (char 1)"),
            ("nul", "Expecting value: line 1 column 1 (char 0)"),
            ("True", "Expecting value: line 1 column 1 (char 0)"),
            ("nullx", "Extra data: line 1 column 5 (char 4)"),
            (
                "\u{feff}{}",
                "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)",
            ),
            (
                "NaN",
                "Out of range float values are not JSON compliant: 'NaN'",
            ),
            (
                "[Infinity]",
                "Out of range float values are not JSON compliant: 'Infinity'",
            ),
            (
                r#"{"a": -Infinity"#,
                "Out of range float values are not JSON compliant: '-Infinity'",
            ),
            (
                "[NaN",
                "Out of range float values are not JSON compliant: 'NaN'",
            ),
            ("[1,, NaN]", "Expecting value: line 1 column 4 (char 3)"),
        ];
        for (body, reason) in cases {
            let (status, _) = failure(Some("application/json"), body.as_bytes());
            assert_eq!(status, 400, "{body}");
            assert_eq!(
                detail(Some("application/json"), body.as_bytes()),
                format!("JSON parse error - {reason}"),
                "{body}"
            );
        }
    }

    #[test]
    fn json_int_digit_limit() {
        let ok = "1".repeat(4300);
        let data = run(
            Some("application/json"),
            format!("{{\"a\": -{ok}}}").as_bytes(),
        )
        .expect("4300 digits");
        assert!(matches!(
            data.get("a"),
            Some(FieldValue::Json(Value::Number(_)))
        ));
        let long = format!("[-{}]", "1".repeat(4301));
        assert_eq!(
            detail(Some("application/json"), long.as_bytes()),
            "JSON parse error - Exceeds the limit (4300 digits) for integer string conversion: \
             value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit"
        );
        let float = format!("{{\"a\": {}.5}}", "1".repeat(5000));
        let data = run(Some("application/json"), float.as_bytes()).expect("floats have no limit");
        assert_eq!(char_field(&data, "a"), Ok("inf".to_owned()));
    }

    #[test]
    fn json_nesting_beyond_pythons_limit_is_a_parse_error_not_a_500() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        let (status, _) = failure(Some("application/json"), deep(pyjson::MAX_DEPTH).as_bytes());
        assert_eq!(status, 400, "nested lists are still a list");
        let (status, _) = failure(
            Some("application/json"),
            deep(pyjson::MAX_DEPTH + 1).as_bytes(),
        );
        assert_eq!(status, 400);
        let (status, body) = failure(
            Some("application/json"),
            "{\"a\":".repeat(100_000).as_bytes(),
        );
        assert_eq!(status, 400);
        assert!(body.contains("JSON parse error - "), "{body}");
    }

    #[test]
    fn json_undecodable_bytes() {
        let cases: &[(&[u8], &str)] = &[
            (
                b"\xff",
                "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte",
            ),
            (
                b"{\"a\": \"\x80\"}",
                "'utf-8' codec can't decode byte 0x80 in position 7: invalid start byte",
            ),
            (
                b"{\"a\": \"\xc3(\"}",
                "'utf-8' codec can't decode byte 0xc3 in position 7: invalid continuation byte",
            ),
            (
                b"{\"username\":\"\xe2\x82x\"}",
                "'utf-8' codec can't decode bytes in position 13-14: invalid continuation byte",
            ),
            (
                b"\xed\xa0\x80",
                "'utf-8' codec can't decode byte 0xed in position 0: invalid continuation byte",
            ),
        ];
        for (body, reason) in cases {
            assert_eq!(
                detail(Some("application/json"), body),
                format!("JSON parse error - {reason}"),
                "{body:?}"
            );
        }
        // Python's stream reader never learns the input ended, so a truncated
        // sequence at the very end disappears.
        let data = run(Some("application/json"), b"{\"a\": \"b\"}\xe2\x82").expect("tail dropped");
        assert_eq!(data.get("a"), Some(&FieldValue::Json(json!("b"))));
        assert_eq!(
            detail(Some("application/json"), b"\xe2\x82"),
            "JSON parse error - Expecting value: line 1 column 1 (char 0)"
        );
    }

    #[test]
    fn json_charsets() {
        let latin1 = b"{\"a\": \"Zo\xeb\"}";
        for content_type in [
            "application/json; charset=latin-1",
            "application/json; charset=ISO-8859-1",
            "application/json; charset=\"iso_8859-1\"",
        ] {
            let data = run(Some(content_type), latin1).expect(content_type);
            assert_eq!(data.get("a"), Some(&FieldValue::Json(json!("Zoë"))));
        }
        assert_eq!(
            detail(Some("application/json; charset=us-ascii"), latin1),
            "JSON parse error - 'ascii' codec can't decode byte 0xeb in position 9: ordinal not in range(128)"
        );
        // Unknown charsets fall back to UTF-8, as in Django.
        assert_eq!(
            detail(Some("application/json; charset=bogus"), latin1),
            "JSON parse error - 'utf-8' codec can't decode byte 0xeb in position 9: invalid continuation byte"
        );
        let data = run(
            Some("application/json; charset=utf-8-sig"),
            b"\xef\xbb\xbf{\"a\": 1}",
        )
        .expect("BOM stripped");
        assert_eq!(data.get("a"), Some(&FieldValue::Json(json!(1))));
        assert_eq!(
            detail(Some("application/json; charset=utf8"), b"\xef\xbb\xbf{}"),
            "JSON parse error - Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)"
        );
    }

    #[test]
    fn charset_names_normalise_like_python() {
        let cases = [
            ("UTF-8", Charset::Utf8),
            ("U8", Charset::Utf8),
            ("utf--8", Charset::Utf8),
            ("-utf-8", Charset::Utf8),
            ("Latin 1", Charset::Latin1),
            ("ISO-8859-1", Charset::Latin1),
            ("iso8859-1", Charset::Latin1),
            ("ANSI X3.4-1968", Charset::Ascii),
            ("us-ascii", Charset::Ascii),
            ("utf-8-sig", Charset::Utf8Sig),
            ("utf.8", Charset::Utf8),
            ("", Charset::Utf8),
        ];
        for (name, charset) in cases {
            assert_eq!(Charset::of(Some(name)), charset, "{name}");
        }
    }

    #[test]
    fn json_surrogate_escapes() {
        let data = run(
            Some("application/json"),
            br#"{"hi": "\ud800", "lo": "a\udc00", "pair": "\ud83d\ude00", "\ud800": 1}"#,
        )
        .expect("Python accepts lone surrogates");
        assert_eq!(
            char_field(&data, "hi"),
            Err("Surrogate characters are not allowed: U+D800.".to_owned())
        );
        assert_eq!(
            char_field(&data, "lo"),
            Err("Surrogate characters are not allowed: U+DC00.".to_owned())
        );
        assert_eq!(data.get("pair"), Some(&FieldValue::Json(json!("😀"))));
        assert_eq!(char_field(&data, "pair"), Ok("😀".to_owned()));
    }

    #[test]
    fn nul_characters() {
        let data = run(Some("application/json"), br#"{"a": "x\u0000y"}"#).expect("json");
        assert_eq!(
            char_field(&data, "a"),
            Err("Null characters are not allowed.".to_owned())
        );
        let data = run(Some("application/x-www-form-urlencoded"), b"a=x%00y").expect("form");
        assert_eq!(text(&data, "a").as_deref(), Some("x\0y"));
        assert_eq!(
            char_field(&data, "a"),
            Err("Null characters are not allowed.".to_owned())
        );
    }

    #[test]
    fn forms() {
        let ct = Some("application/x-www-form-urlencoded");
        let data = run(
            ct,
            b"username=a+b%20c&password=+p%2Bw+&flag&empty=&&x=1&x=2&=v&k=a=b",
        )
        .expect("form");
        let cases = [
            ("username", "a b c"),
            ("password", " p+w "),
            ("flag", ""),
            ("empty", ""),
            ("x", "2"),
            ("", "v"),
            ("k", "a=b"),
        ];
        for (name, value) in cases {
            assert_eq!(text(&data, name).as_deref(), Some(value), "{name}");
        }
        assert_eq!(char_field(&data, "password"), Ok("p+w".to_owned()));
        assert_eq!(
            char_field(&data, "flag"),
            Err("This field may not be blank.".to_owned())
        );
        // `;` is not a separator.
        let data = run(ct, b"a=1;b=2").expect("form");
        assert_eq!(text(&data, "a").as_deref(), Some("1;b=2"));
    }

    #[test]
    fn form_decoding() {
        let ct = Some("application/x-www-form-urlencoded");
        let cases: &[(&[u8], &str)] = &[
            (b"a=%ff", "\u{fffd}"),
            (b"a=%C3%A9", "é"),
            (b"a=%C3", "\u{fffd}"),
            (b"a=%e2%82%28", "\u{fffd}("),
            (b"a=%zz%4", "%zz%4"),
            (b"a=%", "%"),
            ("a=é%41".as_bytes(), "éA"),
            ("a=%C3é%A9".as_bytes(), "\u{fffd}é\u{fffd}"),
            // Raw bytes that are not UTF-8: Django decodes the whole body as
            // Latin-1 instead.
            (b"a=\xff", "ÿ"),
            (b"a=\xc3\xa9&b=\xff", "Ã©"),
        ];
        for (body, value) in cases {
            let data = run(ct, body).expect("form");
            assert_eq!(text(&data, "a").as_deref(), Some(*value), "{body:?}");
        }
        let latin = Some("application/x-www-form-urlencoded; charset=latin-1");
        let data = run(latin, b"a=%E9&b=\xe9").expect("form");
        assert_eq!(text(&data, "a").as_deref(), Some("é"));
        assert_eq!(text(&data, "b").as_deref(), Some("é"));
    }

    const MP: &str = "multipart/form-data; boundary=XyZ";

    fn multipart(parts: &[&str]) -> Vec<u8> {
        let mut body = String::new();
        for part in parts {
            body.push_str("--XyZ\r\n");
            body.push_str(part);
            body.push_str("\r\n");
        }
        body.push_str("--XyZ--\r\n");
        body.into_bytes()
    }

    #[test]
    fn multipart_fields_and_files() {
        let body = multipart(&[
            "Content-Disposition: form-data; name=\"username\"\r\n\r\n bob ",
            "Content-Disposition: form-data; name=\"password\"\r\n\r\nline1\r\nline2",
            "Content-Disposition: form-data; name=\"avatar\"; filename=\"a.png\"\r\n\
             Content-Type: image/png\r\n\r\n\x01\x02",
        ]);
        let data = run(Some(MP), &body).expect("multipart");
        assert_eq!(text(&data, "username").as_deref(), Some(" bob "));
        assert_eq!(text(&data, "password").as_deref(), Some("line1\r\nline2"));
        assert_eq!(data.get("avatar"), Some(&FieldValue::File));
        assert_eq!(char_field(&data, "username"), Ok("bob".to_owned()));
        assert_eq!(
            char_field(&data, "avatar"),
            Err("Not a valid string.".to_owned())
        );
    }

    #[test]
    fn multipart_quirks() {
        // A file beats a text part of the same name, wherever it comes.
        let body = multipart(&[
            "Content-Disposition: form-data; name=\"a\"; filename=\"f\"\r\n\r\nfile",
            "Content-Disposition: form-data; name=\"a\"\r\n\r\ntext",
            "Content-Disposition: form-data; name=\"b\"\r\n\r\n1",
            "Content-Disposition: form-data; name=\"b\"\r\n\r\n2",
        ]);
        let data = run(Some(MP), &body).expect("multipart");
        assert_eq!(data.get("a"), Some(&FieldValue::File));
        assert_eq!(text(&data, "b").as_deref(), Some("2"));

        // An empty or unusable filename makes a text part or no part at all.
        let body = multipart(&[
            "Content-Disposition: form-data; name=\"a\"; filename=\"\"\r\n\r\nvalue",
            "Content-Disposition: form-data; name=\"b\"; filename=\"dir/\"\r\n\r\nx",
            "Content-Disposition: form-data; name=\"c\"; filename=\"..\"\r\n\r\nx",
            "Content-Disposition: form-data; name=\"d\"; filename=\"&#47;\"\r\n\r\nx",
            "Content-Disposition: form-data; name=\"e\"; filename=\"C:\\\\x\\\\y.txt\"\r\n\r\nx",
            "Content-Disposition: form-data\r\n\r\nno name",
            "Content-Type: text/plain\r\n\r\nno disposition",
            "Content-Disposition: form-data; name=\" f \"\r\n\r\nstripped name",
            "content-disposition: FORM-DATA; NAME=g\r\n\r\ncase",
        ]);
        let data = run(Some(MP), &body).expect("multipart");
        assert_eq!(text(&data, "a").as_deref(), Some("value"));
        assert_eq!(data.get("b"), None);
        assert_eq!(data.get("c"), None);
        assert_eq!(data.get("d"), None);
        assert_eq!(data.get("e"), Some(&FieldValue::File));
        assert_eq!(text(&data, "f").as_deref(), Some("stripped name"));
        assert_eq!(text(&data, "g").as_deref(), Some("case"));

        // No final boundary, LF line ends, preamble and epilogue.
        let body =
            b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\n--XyZ\r\n\
                     Content-Disposition: form-data; name=\"b\"\r\n\r\n2";
        let data = run(Some(MP), body).expect("multipart");
        assert_eq!(text(&data, "a").as_deref(), Some("1"));
        assert_eq!(text(&data, "b").as_deref(), Some("2"));

        // A file that is the last thing in the body is never stored.
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\ndata\r\n--XyZ";
        assert_eq!(run(Some(MP), body).expect("multipart").get("f"), None);

        // Bodies Django finds nothing in are simply empty.
        for body in [&b"hello"[..], b"--XyZ--", b"--XyZ\r\n\r\n", b"\r\n\r\n\r\n"] {
            assert_eq!(run(Some(MP), body).expect("lenient"), RequestData::empty());
        }

        // Text parts: base64 transfer encoding, undecodable bytes, quoted boundary.
        let body = b"--b;1\r\nContent-Disposition: form-data; name=\"a\"\r\n\
                     Content-Transfer-Encoding: BASE64\r\n\r\nY m\nFy\r\n--b;1\r\n\
                     Content-Disposition: form-data; name=\"c\"\r\n\r\n\xff\r\n--b;1--";
        let data = run(Some("multipart/form-data; boundary=\"b;1\""), body).expect("multipart");
        assert_eq!(text(&data, "a").as_deref(), Some("bar"));
        assert_eq!(text(&data, "c").as_deref(), Some("\u{fffd}"));
    }

    #[test]
    fn multipart_errors() {
        let body = b"--x\r\n";
        let cases: &[(&str, &str)] = &[
            ("multipart/form-data", "Invalid boundary in multipart: None"),
            (
                "multipart/form-data; charset=utf-8",
                "Invalid boundary in multipart: None",
            ),
            (
                "multipart/form-data; boundary=",
                "Invalid boundary in multipart: ",
            ),
            (
                "multipart/form-data; boundary=\"a \"",
                "Invalid boundary in multipart: a ",
            ),
            ("multipart/*", "Invalid boundary in multipart: None"),
            (
                "Multipart/form-data; boundary=x",
                "Invalid Content-Type: Multipart/form-data; boundary=x",
            ),
            (
                "*/form-data; boundary=x",
                "Invalid Content-Type: */form-data; boundary=x",
            ),
            (
                "multipart/form-data; boundary=é",
                "Invalid non-ASCII Content-Type in multipart: multipart/form-data; boundary=é",
            ),
        ];
        for (content_type, reason) in cases {
            let (status, _) = failure(Some(content_type), body);
            assert_eq!(status, 400, "{content_type}");
            assert_eq!(
                detail(Some(content_type), body),
                format!("Multipart form parse error - {reason}"),
                "{content_type}"
            );
        }
        let long = format!("multipart/form-data; boundary={}", "b".repeat(202));
        assert!(
            detail(Some(&long), body).starts_with("Multipart form parse error - Invalid boundary")
        );
        let ok = format!("multipart/form-data; boundary={}", "b".repeat(201));
        assert!(run(Some(&ok), body).is_ok());

        let header_too_big = format!("--XyZ\r\nX: {}\r\n\r\n", "a".repeat(1100));
        assert_eq!(
            detail(Some(MP), header_too_big.as_bytes()),
            "Multipart form parse error - Request max total header size exceeded."
        );
        let no_headers = format!("{}--XyZ--", "a".repeat(2000));
        assert_eq!(
            detail(Some(MP), no_headers.as_bytes()),
            "Multipart form parse error - Request max total header size exceeded."
        );

        let bad_file = multipart(&[
            "Content-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\nabcde",
        ]);
        assert_eq!(
            detail(Some(MP), &bad_file),
            "Multipart form parse error - Could not decode base64 data."
        );
        let good_file = multipart(&[
            "Content-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\nYW Jj\r\nZA==",
        ]);
        assert_eq!(
            run(Some(MP), &good_file).expect("base64").get("f"),
            Some(&FieldValue::File)
        );
    }

    #[test]
    fn base64_like_binascii() {
        let cases: &[(&[u8], Option<&[u8]>)] = &[
            (b"", Some(b"")),
            (b"YmFy", Some(b"bar")),
            (b"YmE=", Some(b"ba")),
            (b"Yg==", Some(b"b")),
            (b"Yg==junk", Some(b"b")),
            (b"Y!m*F y", Some(b"bar")),
            (b"Yg", None),
            (b"Y", None),
            (b"YmFyY", None),
            (b"=YmFy", Some(b"bar")),
            (b"Yg=", None),
        ];
        for (input, want) in cases {
            assert_eq!(a2b_base64(input).as_deref(), *want, "{input:?}");
        }
    }

    #[test]
    fn file_names_like_django() {
        for name in [
            "a.png", " ", "a/b", "...", "&amp;", "&#46;x", "x&#0;", "&sol;a",
        ] {
            assert!(usable_file_name(name), "{name:?}");
        }
        for name in [
            "",
            ".",
            "..",
            "a/",
            "a\\",
            "a/..",
            "&#47;",
            "\u{200b}",
            "&#46;&#46;",
            "&#x2F;",
            "&sol;",
            "\t",
        ] {
            assert!(!usable_file_name(name), "{name:?}");
        }
    }

    #[test]
    fn kmp_find() {
        let cases: &[(&[u8], &[u8], Option<usize>)] = &[
            (b"abc", b"", Some(0)),
            (b"", b"a", None),
            (b"aaab", b"aab", Some(1)),
            (b"abababc", b"ababc", Some(2)),
            (b"xx--B", b"--B", Some(2)),
            (b"--", b"--B", None),
        ];
        for (haystack, needle, want) in cases {
            assert_eq!(find(haystack, needle), *want, "{haystack:?} {needle:?}");
        }
    }

    /// A deterministic xorshift generator: no dependency, reproducible.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn no_input_panics() {
        const PIECES: &[&[u8]] = &[
            b"{",
            b"}",
            b"[",
            b"]",
            b"\"",
            b"\\",
            b"\\u",
            b"d800",
            b"dc00",
            b":",
            b",",
            b"1",
            b"-",
            b"e",
            b".",
            b"NaN",
            b"null",
            b"true",
            b"\xff",
            b"\xe2\x82",
            b"\xf0",
            b" ",
            b"\r\n",
            b"\r\n\r\n",
            b"--XyZ",
            b"--",
            b"=",
            b"&",
            b"%",
            b"%0",
            b"+",
            b"a",
            b"Content-Disposition: form-data; name=\"a\"",
            b"; filename=\"f\"",
            b"\0",
            b"Content-Transfer-Encoding: base64",
            b"\xef\xbb\xbf",
            b"\xc3\xa9",
            b"&#47;",
        ];
        let content_types = [
            None,
            Some("application/json"),
            Some("application/json; charset=ascii"),
            Some("application/json; charset=utf-8-sig"),
            Some("application/x-www-form-urlencoded"),
            Some("application/x-www-form-urlencoded; charset=latin1"),
            Some(MP),
            Some("multipart/form-data; boundary=-"),
            Some("text/plain"),
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..400 {
            let mut body = Vec::new();
            let len = rng.below(64);
            for _ in 0..len {
                if round % 2 == 0 {
                    body.extend_from_slice(PIECES[rng.below(PIECES.len())]);
                } else {
                    body.push((rng.next() & 0xff) as u8);
                }
            }
            for content_type in content_types {
                if let Ok(data) = run(content_type, &body) {
                    for name in ["a", "", "username"] {
                        let _ = char_field(&data, name);
                    }
                }
            }
        }
    }
}
