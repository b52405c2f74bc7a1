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
