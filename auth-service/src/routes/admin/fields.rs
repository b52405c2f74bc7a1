//! The admin API's request fields, with DRF's serializer rules and messages: optional
//! `CharField`s (blank allowed where the model has `blank=True`) with `max_length`, and
//! `BooleanField`s. Errors are collected per field, in the order the fields are read.

use drf_parsers::{FieldValue, RequestData, char_field};
use serde_json::Value;

use crate::commands::users::{basic_email_error, normalize_email, username_error};

const BLANK: &str = "This field may not be blank.";
const REQUIRED: &str = "This field is required.";

/// Field errors in reading order: DRF's `{"field": ["message", ...]}`.
#[derive(Debug, Default)]
pub struct Errors(pub Vec<(String, Vec<String>)>);

impl Errors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push((field.to_owned(), vec![message.into()]));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn too_long(max: usize) -> String {
    format!("Ensure this field has no more than {max} characters.")
}

/// A `CharField(required=False, allow_blank=blank, max_length=max)`: `None` when absent.
pub fn optional_text(
    data: &RequestData,
    name: &str,
    blank: bool,
    max: usize,
    errors: &mut Errors,
) -> Option<String> {
    data.get(name)?;
    let value = match char_field(data, name) {
        Ok(value) => value,
        Err(message) if blank && message == BLANK => String::new(),
        Err(message) => {
            errors.add(name, message);
            return None;
        }
    };
    if value.chars().count() > max {
        errors.add(name, too_long(max));
        return None;
    }
    Some(value)
}

/// The `username` of a new user: required, NFKC-normalised (Django's
/// `normalize_username`), at most 150 characters, Django's `UnicodeUsernameValidator`.
pub fn username(data: &RequestData, errors: &mut Errors) -> Option<String> {
    if data.get("username").is_none() {
        errors.add("username", REQUIRED);
        return None;
    }
    let value = optional_text(data, "username", false, 150, errors)?;
    let value: String = unicode_normalization::UnicodeNormalization::nfkc(value.as_str()).collect();
    if let Some(message) = username_error(&value) {
        errors.add("username", message);
        return None;
    }
    Some(value)
}

/// `email`: optional, blank allowed, at most 254 characters, a plausible address;
/// the domain lower-cased as Django's `normalize_email` does.
pub fn email(data: &RequestData, errors: &mut Errors) -> Option<String> {
    let value = optional_text(data, "email", true, 254, errors)?;
    if let Some(message) = basic_email_error(&value) {
        errors.add("email", message);
        return None;
    }
    Some(normalize_email(&value))
}

/// DRF's `BooleanField(required=False)`: its TRUE_VALUES and FALSE_VALUES.
pub fn boolean(data: &RequestData, name: &str, errors: &mut Errors) -> Option<bool> {
    const TRUE: &[&str] = &[
        "t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1",
    ];
    const FALSE: &[&str] = &[
        "f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0",
    ];
    let verdict = match data.get(name)? {
        FieldValue::Json(Value::Bool(b)) => Some(*b),
        FieldValue::Json(Value::Null) => {
            errors.add(name, "This field may not be null.");
            return None;
        }
        // Python: 1.0 == 1 and 0.0 == 0, so DRF takes those too
        FieldValue::Json(Value::Number(n)) => n.as_f64().and_then(|x| {
            if x == 1.0 {
                Some(true)
            } else if x == 0.0 {
                Some(false)
            } else {
                None
            }
        }),
        FieldValue::Json(Value::String(s)) | FieldValue::Text(s) => {
            if TRUE.contains(&s.as_str()) {
                Some(true)
            } else if FALSE.contains(&s.as_str()) {
                Some(false)
            } else {
                None
            }
        }
        FieldValue::Json(_) | FieldValue::File => None,
    };
    if verdict.is_none() {
        errors.add(name, "Must be a valid boolean.");
    }
    verdict
}
