//! DRF's `JSONParser`: the body decoded with the request charset as Python's
//! stream reader does, then `json.loads` (see [`crate::pyjson`] for why that
//! is not serde_json), then the serializer's first check that the document
//! is an object.

use crate::charset::Charset;
use crate::data::{FieldValue, RequestData};
use crate::pyjson::{self, JsonError};
use serde_json::Value;
use shared::errors::ApiError;

pub(super) fn parse(body: &[u8], charset: Charset) -> Result<RequestData, ApiError> {
    let json_error = |reason: &str| ApiError::parse_error(format!("JSON parse error - {reason}"));
    let text = charset.decode_stream(body).map_err(|e| json_error(&e))?;
    let value = match pyjson::loads(&text) {
        Ok(value) => value,
        Err(JsonError::Invalid(reason)) => return Err(json_error(&reason)),
        // Python's RecursionError escapes DRF's handler and Django answers 500;
        // we never answer 500 for bad input, so it is a parse error here.
        Err(JsonError::TooDeep) => {
            return Err(json_error(
                "maximum recursion depth exceeded while decoding a JSON document",
            ));
        }
    };
    // The serializer's own checks, which come first in every view that
    // reads these fields.
    match value {
        Value::Object(map) => Ok(RequestData::from_pairs(
            map.into_iter()
                .map(|(key, value)| (key, FieldValue::Json(value)))
                .collect(),
        )),
        Value::Null => Err(ApiError::non_field_error("No data provided")),
        other => Err(ApiError::non_field_error(format!(
            "Invalid data. Expected a dictionary, but got {}.",
            python_type_name(&other)
        ))),
    }
}

fn python_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.as_str().contains(['.', 'e', 'E']) => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::char_field;
    use crate::testing::{detail, failure, run};
    use serde_json::json;

    #[test]
    fn json_objects() {
        let data = run(
            Some("application/json; charset=utf-8"),
            r#"{"username": "Zoë", "n": 1, "n": 2, "list": [1, {"a": null}]}"#.as_bytes(),
        )
        .expect("object");
        assert_eq!(data.get("username"), Some(&FieldValue::Json(json!("Zoë"))));
        assert_eq!(data.get("n"), Some(&FieldValue::Json(json!(2))));
        assert_eq!(
            data.get("list"),
            Some(&FieldValue::Json(json!([1, {"a": null}])))
        );
        let data = run(Some("application/json"), b" \r\n\t{}\n").expect("object");
        assert_eq!(data, RequestData::empty());
    }

    #[test]
    fn json_non_objects() {
        let cases: [(&str, &str); 11] = [
            ("null", "No data provided"),
            (" null ", "No data provided"),
            ("[]", "Invalid data. Expected a dictionary, but got list."),
            ("[{}]", "Invalid data. Expected a dictionary, but got list."),
            (
                r#""x""#,
                "Invalid data. Expected a dictionary, but got str.",
            ),
            ("1", "Invalid data. Expected a dictionary, but got int."),
            ("-0", "Invalid data. Expected a dictionary, but got int."),
            ("1.5", "Invalid data. Expected a dictionary, but got float."),
            ("1e3", "Invalid data. Expected a dictionary, but got float."),
            ("true", "Invalid data. Expected a dictionary, but got bool."),
            (
                "false",
                "Invalid data. Expected a dictionary, but got bool.",
            ),
        ];
        for (body, message) in cases {
            let (status, rendered) = failure(Some("application/json"), body.as_bytes());
            assert_eq!(status, 400, "{body}");
            assert_eq!(
                rendered,
                format!(r#"{{"non_field_errors":["{message}"]}}"#),
                "{body}"
            );
        }
    }

    #[test]
    fn json_syntax_errors_read_like_python() {
        let cases: &[(&str, &str)] = &[
            ("x", "Expecting value: line 1 column 1 (char 0)"),
            ("   ", "Expecting value: line 1 column 4 (char 3)"),
            (
                "{",
                "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
            ),
            (
                "{'a': 1}",
                "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
            ),
            (
                r#"{"a":1,}"#,
                "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)",
            ),
            (
                r#"{"a" 1}"#,
                "Expecting ':' delimiter: line 1 column 6 (char 5)",
            ),
            (
                r#"{"a":1 "b":2}"#,
                "Expecting ',' delimiter: line 1 column 8 (char 7)",
            ),
            (r#"{"a":}"#, "Expecting value: line 1 column 6 (char 5)"),
            ("[1,]", "Expecting value: line 1 column 4 (char 3)"),
            ("[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)"),
            ("{}x", "Extra data: line 1 column 3 (char 2)"),
            ("{} {}", "Extra data: line 1 column 4 (char 3)"),
            ("{\n\"a\":\n}", "Expecting value: line 3 column 1 (char 7)"),
            (
                "{\"é\": 1, \"b\" 2}",
                "Expecting ':' delimiter: line 1 column 14 (char 13)",
            ),
            (
                r#"{"a": "b"#,
                "Unterminated string starting at: line 1 column 7 (char 6)",
            ),
            (
                "{\"a\": \"b\nc\"}",
                "Invalid control character at: line 1 column 9 (char 8)",
            ),
            (r#""\x""#, "Invalid \\escape: line 1 column 2 (char 1)"),
            (
                r#""\u12""#,
                "Invalid \\uXXXX escape: line 1 column 3 (char 2)",
            ),
            (
                r#""\u12G4""#,
                "Invalid \\uXXXX escape: line 1 column 3 (char 2)",
            ),
            (
                r#""\ud800\uZZZZ""#,
                "Invalid \\uXXXX escape: line 1 column 9 (char 8)",
            ),
            (
                r#""\u1234"#,
                "Invalid \\uXXXX escape: line 1 column 3 (char 2)",
            ),
            ("01", "Extra data: line 1 column 2 (char 1)"),
            ("-", "Expecting value: line 1 column 1 (char 0)"),
            ("1.", "Extra data: line 1 column 2 (char 1)"),
            ("1e", "Extra data: line 1 column 2 (char 1)"),
            ("1e+", "Extra data: line 1 column 2 (char 1)"),
            ("nul", "Expecting value: line 1 column 1 (char 0)"),
            ("True", "Expecting value: line 1 column 1 (char 0)"),
            ("nullx", "Extra data: line 1 column 5 (char 4)"),
            (
                "\u{feff}{}",
                "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)",
            ),
            (
                "NaN",
                "Out of range float values are not JSON compliant: 'NaN'",
            ),
            (
                "[Infinity]",
                "Out of range float values are not JSON compliant: 'Infinity'",
            ),
            (
                r#"{"a": -Infinity"#,
                "Out of range float values are not JSON compliant: '-Infinity'",
            ),
            (
                "[NaN",
                "Out of range float values are not JSON compliant: 'NaN'",
            ),
            ("[1,, NaN]", "Expecting value: line 1 column 4 (char 3)"),
        ];
        for (body, reason) in cases {
            let (status, _) = failure(Some("application/json"), body.as_bytes());
            assert_eq!(status, 400, "{body}");
            assert_eq!(
                detail(Some("application/json"), body.as_bytes()),
                format!("JSON parse error - {reason}"),
                "{body}"
            );
        }
    }

    #[test]
    fn json_int_digit_limit() {
        let ok = "1".repeat(4300);
        let data = run(
            Some("application/json"),
            format!("{{\"a\": -{ok}}}").as_bytes(),
        )
        .expect("4300 digits");
        assert!(matches!(
            data.get("a"),
            Some(FieldValue::Json(Value::Number(_)))
        ));
        let long = format!("[-{}]", "1".repeat(4301));
        assert_eq!(
            detail(Some("application/json"), long.as_bytes()),
            "JSON parse error - Exceeds the limit (4300 digits) for integer string conversion: \
             value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit"
        );
        let float = format!("{{\"a\": {}.5}}", "1".repeat(5000));
        let data = run(Some("application/json"), float.as_bytes()).expect("floats have no limit");
        assert_eq!(char_field(&data, "a"), Ok("inf".to_owned()));
    }

    #[test]
    fn json_nesting_beyond_pythons_limit_is_a_parse_error_not_a_500() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        let (status, _) = failure(Some("application/json"), deep(pyjson::MAX_DEPTH).as_bytes());
        assert_eq!(status, 400, "nested lists are still a list");
        let (status, _) = failure(
            Some("application/json"),
            deep(pyjson::MAX_DEPTH + 1).as_bytes(),
        );
        assert_eq!(status, 400);
        let (status, body) = failure(
            Some("application/json"),
            "{\"a\":".repeat(100_000).as_bytes(),
        );
        assert_eq!(status, 400);
        assert!(body.contains("JSON parse error - "), "{body}");
    }

    #[test]
    fn json_undecodable_bytes() {
        let cases: &[(&[u8], &str)] = &[
            (
                b"\xff",
                "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte",
            ),
            (
                b"{\"a\": \"\x80\"}",
                "'utf-8' codec can't decode byte 0x80 in position 7: invalid start byte",
            ),
            (
                b"{\"a\": \"\xc3(\"}",
                "'utf-8' codec can't decode byte 0xc3 in position 7: invalid continuation byte",
            ),
            (
                b"{\"username\":\"\xe2\x82x\"}",
                "'utf-8' codec can't decode bytes in position 13-14: invalid continuation byte",
            ),
            (
                b"\xed\xa0\x80",
                "'utf-8' codec can't decode byte 0xed in position 0: invalid continuation byte",
            ),
        ];
        for (body, reason) in cases {
            assert_eq!(
                detail(Some("application/json"), body),
                format!("JSON parse error - {reason}"),
                "{body:?}"
            );
        }
        // Python's stream reader never learns the input ended, so a truncated
        // sequence at the very end disappears.
        let data = run(Some("application/json"), b"{\"a\": \"b\"}\xe2\x82").expect("tail dropped");
        assert_eq!(data.get("a"), Some(&FieldValue::Json(json!("b"))));
        assert_eq!(
            detail(Some("application/json"), b"\xe2\x82"),
            "JSON parse error - Expecting value: line 1 column 1 (char 0)"
        );
    }

    #[test]
    fn json_charsets() {
        let latin1 = b"{\"a\": \"Zo\xeb\"}";
        for content_type in [
            "application/json; charset=latin-1",
            "application/json; charset=ISO-8859-1",
            "application/json; charset=\"iso_8859-1\"",
        ] {
            let data = run(Some(content_type), latin1).expect(content_type);
            assert_eq!(data.get("a"), Some(&FieldValue::Json(json!("Zoë"))));
        }
        assert_eq!(
            detail(Some("application/json; charset=us-ascii"), latin1),
            "JSON parse error - 'ascii' codec can't decode byte 0xeb in position 9: ordinal not in range(128)"
        );
        // Unknown charsets fall back to UTF-8, as in Django.
        assert_eq!(
            detail(Some("application/json; charset=bogus"), latin1),
            "JSON parse error - 'utf-8' codec can't decode byte 0xeb in position 9: invalid continuation byte"
        );
        let data = run(
            Some("application/json; charset=utf-8-sig"),
            b"\xef\xbb\xbf{\"a\": 1}",
        )
        .expect("BOM stripped");
        assert_eq!(data.get("a"), Some(&FieldValue::Json(json!(1))));
        assert_eq!(
            detail(Some("application/json; charset=utf8"), b"\xef\xbb\xbf{}"),
            "JSON parse error - Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)"
        );
    }

    #[test]
    fn json_surrogate_escapes() {
        let data = run(
            Some("application/json"),
            br#"{"hi": "\ud800", "lo": "a\udc00", "pair": "\ud83d\ude00", "\ud800": 1}"#,
        )
        .expect("Python accepts lone surrogates");
        assert_eq!(
            char_field(&data, "hi"),
            Err("Surrogate characters are not allowed: U+D800.".to_owned())
        );
        assert_eq!(
            char_field(&data, "lo"),
            Err("Surrogate characters are not allowed: U+DC00.".to_owned())
        );
        assert_eq!(data.get("pair"), Some(&FieldValue::Json(json!("😀"))));
        assert_eq!(char_field(&data, "pair"), Ok("😀".to_owned()));
    }
}
