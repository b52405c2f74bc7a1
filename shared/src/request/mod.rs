//! The request side of DRF as clients observe it: body parsing
//! (`request.data`), `CharField` validation and content negotiation.

mod body;
mod fields;
mod negotiation;

pub use body::{FieldValue, RequestData, parse_body};
pub use fields::{char_field, required_strings};
pub use negotiation::negotiate;
