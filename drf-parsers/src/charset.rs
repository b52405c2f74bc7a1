//! The request charset and Python's codecs as the parsers use them.
//!
//! Written out rather than taken from `encoding_rs`, which follows the WHATWG
//! Encoding Standard, where `latin-1` and `ascii` both name windows-1252.
//! Clients see Python's codecs instead: its codec lookup (name normalisation
//! and aliases), its `UnicodeDecodeError` texts and its stream reader's habit
//! of dropping an incomplete sequence at the end. UTF-8 itself is std's.

/// The request charset, as Django takes it from the Content-Type `charset`
/// parameter (when Python knows the codec) and DRF hands it to the parsers.
///
/// Only the codecs below are implemented; any other name decodes as UTF-8,
/// which is also Django's default for names Python does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Charset {
    Utf8,
    Utf8Sig,
    Latin1,
    Ascii,
}

const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

impl Charset {
    pub(super) fn of(param: Option<&str>) -> Self {
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
    pub(super) fn decode_strict(self, data: &[u8]) -> Option<String> {
        match self {
            Self::Utf8 => std::str::from_utf8(data).ok().map(str::to_owned),
            Self::Utf8Sig => Self::Utf8.decode_strict(data.strip_prefix(UTF8_BOM).unwrap_or(data)),
            Self::Latin1 => Some(data.iter().map(|&b| char::from(b)).collect()),
            Self::Ascii => data.is_ascii().then(|| self.decode_lossy(data)),
        }
    }

    /// `bytes.decode(charset, "replace")`.
    pub(super) fn decode_lossy(self, data: &[u8]) -> String {
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
    pub(super) fn decode_stream(self, data: &[u8]) -> Result<String, String> {
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
}
