//! DRF's request side for a POST view, as clients observe it: `request.data`
//! with the default parsers (JSON, form, multipart, each with its charset
//! rules) and `CharField` validation, behind an actix extractor.
//!
//! Only the auth service reads request bodies, so this is a crate of its own
//! rather than part of `shared`: the protected service does not build it.
//! Content negotiation and the media-type parsing it shares with parser
//! selection stay in `shared::negotiation`, which both services use.

mod binascii;
mod body;
mod charset;
mod data;
mod extract;
mod fields;
mod filename;
mod form;
mod json;
mod multipart;
mod pyjson;
#[cfg(test)]
mod testing;

pub use body::parse_body;
pub use data::{FieldValue, RequestData};
pub use extract::{BodyLimit, DrfData};
pub use fields::{char_field, required_strings};

/// The parsers without the HTTP around them, for the fuzz targets in `fuzz/`.
#[doc(hidden)]
pub mod fuzzing {
    use crate::{body, char_field};

    /// One fuzz input for a body target: the first byte picks one of
    /// `content_types`, the rest is the body. A `None` entry takes the
    /// Content-Type from the input instead, up to its first newline (bytes
    /// decoded as ISO-8859-1, as header values reach the parsers), so that
    /// header parsing is fuzzed together with the body it describes.
    /// Whatever parses is then read the way the views read it.
    pub fn fuzz_body(data: &[u8], content_types: &[Option<&str>]) {
        let Some((&first, rest)) = data.split_first() else {
            return;
        };
        if content_types.is_empty() {
            return;
        }
        let (content_type, body) = match content_types[usize::from(first) % content_types.len()] {
            Some(content_type) => (content_type.to_owned(), rest),
            None => {
                let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
                let header = rest[..end].iter().map(|&b| char::from(b)).collect();
                (header, rest.get(end + 1..).unwrap_or_default())
            }
        };
        if let Ok(parsed) = body::parse(Some(&content_type), body) {
            for name in ["username", "password", "a", ""] {
                let _ = char_field(&parsed, name);
            }
        }
    }

    /// [`fuzz_body`] with `media_type` under each charset the parsers know
    /// (the JSON and form targets).
    pub fn fuzz_charsets(data: &[u8], media_type: &str) {
        let with = |charset: &str| format!("{media_type}; charset={charset}");
        let variants = [
            media_type.to_owned(),
            with("latin-1"),
            with("ascii"),
            with("utf-8-sig"),
        ];
        fuzz_body(data, &variants.each_ref().map(|c| Some(c.as_str())));
    }
}
