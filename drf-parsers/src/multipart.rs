//! DRF's `MultiPartParser`, which is Django's own `MultiPartParser`.
//!
//! Written out because clients see Django's behaviour, which a multipart
//! crate built on RFC 7578 does not reproduce: a split at every `--boundary`
//! wherever it occurs, no final boundary needed, unparseable parts skipped,
//! files refused for unusable names or lost when last, the 1024-byte header
//! limit, base64 checked in groups of four, and Django's error texts.
//! Substring search is `memchr`'s (linear in the worst case, so a hostile
//! body cannot make it quadratic), base64 is [`super::binascii`] and file
//! names are [`super::filename`].

use crate::binascii::a2b_base64;
use crate::charset::Charset;
use crate::data::{FieldValue, RequestData};
use crate::filename::usable_file_name;
use memchr::memmem::find;
use shared::errors::{ApiError, echo};
use shared::negotiation::{MediaType, parse_header_parameters};
use shared::pystr::py_strip;

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
pub(super) fn parse(
    content_type: &str,
    body: &[u8],
    charset: Charset,
) -> Result<RequestData, ApiError> {
    // Django checks the raw header, case-sensitively, after DRF chose the
    // parser case-insensitively.
    if !content_type.starts_with("multipart/") {
        return Err(multipart_error(&format!(
            "Invalid Content-Type: {}",
            echo(content_type)
        )));
    }
    if !content_type.is_ascii() {
        return Err(multipart_error(&format!(
            "Invalid non-ASCII Content-Type in multipart: {}",
            echo(content_type)
        )));
    }
    let boundary = match MediaType::parse(content_type).param("boundary") {
        None => return Err(multipart_error("Invalid boundary in multipart: None")),
        Some(b) if !valid_boundary(b) => {
            return Err(multipart_error(&format!(
                "Invalid boundary in multipart: {}",
                echo(b)
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
        let (main, params) = parse_header_parameters(line);
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

/// Python's `bytes.isspace` for one byte. Unlike `u8::is_ascii_whitespace`
/// (and so `<[u8]>::trim_ascii`) it includes the vertical tab.
fn py_byte_isspace(b: &u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// `bytes.strip()`.
fn bytes_strip(mut data: &[u8]) -> &[u8] {
    while let Some((first, rest)) = data.split_first() {
        if !py_byte_isspace(first) {
            break;
        }
        data = rest;
    }
    while let Some((last, rest)) = data.split_last() {
        if !py_byte_isspace(last) {
            break;
        }
        data = rest;
    }
    data
}

/// Django decodes a base64 file in groups of four after dropping ASCII
/// whitespace; a group that does not decode, or a leftover, is an error.
fn base64_file_decodes(data: &[u8]) -> bool {
    let stripped: Vec<u8> = data
        .iter()
        .copied()
        .filter(|b| !py_byte_isspace(b))
        .collect();
    let aligned = stripped.len() / 4 * 4;
    (aligned == 0 || a2b_base64(&stripped[..aligned]).is_some()) && aligned == stripped.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::char_field;
    use crate::testing::{MP, detail, failure, multipart, run, text};

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
    fn substring_search() {
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
}
