//! The request side of DRF as clients observe it: body parsing
//! (`request.data`), `CharField` validation and content negotiation.

mod binascii;
mod body;
mod charset;
mod fields;
mod filename;
mod form;
mod json;
mod multipart;
mod negotiation;
#[cfg(test)]
mod testing;

pub use body::{FieldValue, RequestData, parse_body};
pub use fields::{char_field, required_strings};
pub use negotiation::{json_indent, negotiate};

/// The parsers without the HTTP around them, for the fuzz targets in `fuzz/`.
#[doc(hidden)]
pub mod fuzzing {
    use super::{RequestData, body, negotiation};
    use crate::errors::ApiError;

    /// `request.data` for a Content-Type and a body (what `parse_body` awaits).
    pub fn parse_body(content_type: Option<&str>, body: &[u8]) -> Result<RequestData, ApiError> {
        body::parse(content_type, body)
    }

    /// Django's `parse_header_parameters`.
    pub fn header_parameters(line: &str) -> (String, Vec<(String, String)>) {
        negotiation::parse_header_parameters(line)
    }
}
