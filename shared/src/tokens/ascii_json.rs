//! JSON as Python's `json.dumps` writes it, for token segments byte for byte.

use serde::Serialize;
use std::io;

/// Compact JSON with every non-ASCII character escaped as `\uXXXX`, as
/// Python's `json.dumps(..., separators=(",", ":"))` writes it.
pub fn ascii_json(value: &impl Serialize) -> Vec<u8> {
    let mut out = Vec::with_capacity(192);
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, AsciiFormatter);
    // Serialising a map of JSON values into memory cannot fail.
    let _ = value.serialize(&mut serializer);
    out
}

struct AsciiFormatter;

impl serde_json::ser::Formatter for AsciiFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (at, ch) in fragment.char_indices() {
            if ch.is_ascii() {
                continue;
            }
            writer.write_all(&fragment.as_bytes()[start..at])?;
            let mut units = [0u16; 2];
            for unit in ch.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            start = at + ch.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}
