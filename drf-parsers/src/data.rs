//! The data the parsers produce and the views read: DRF's `request.data`.
//! A module of its own so that the parsers and the dispatch in
//! [`crate::body`] both depend on it and not on each other.

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
