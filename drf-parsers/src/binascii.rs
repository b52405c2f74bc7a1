//! Python's `binascii.a2b_base64(data, strict_mode=False)`, what
//! `base64.b64decode` runs on multipart parts sent with
//! `Content-Transfer-Encoding: base64`.
//!
//! Python's leniencies are applied here: bytes outside the alphabet are
//! skipped, a `=` counts only where it can pad (two or three symbols into a
//! quantum) and the padding that completes a quantum ends the input.
//! Decoding the symbols kept is the `base64` crate's.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// The standard alphabet, padding neither required nor refused (the symbols
/// handed over carry none) and nonzero bits after the last byte ignored, as
/// binascii does.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// The decoded bytes, or None where Python raises `binascii.Error` (a final
/// quantum of one symbol, or of two or three without enough padding).
pub(super) fn a2b_base64(data: &[u8]) -> Option<Vec<u8>> {
    let (symbols, padded) = symbols(data);
    if !padded && symbols.len() % 4 != 0 {
        return None;
    }
    LENIENT.decode(symbols).ok()
}

/// The alphabet symbols Python decodes, and whether padding ended them.
fn symbols(data: &[u8]) -> (Vec<u8>, bool) {
    let mut symbols = Vec::with_capacity(data.len());
    let mut pads = 0;
    for &c in data {
        if c == b'=' {
            let quad_pos = symbols.len() % 4;
            if quad_pos >= 2 {
                pads += 1;
                if quad_pos + pads >= 4 {
                    return (symbols, true);
                }
            }
        } else if c.is_ascii_alphanumeric() || c == b'+' || c == b'/' {
            symbols.push(c);
            pads = 0;
        }
    }
    (symbols, false)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
