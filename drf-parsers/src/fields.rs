//! DRF's `CharField(required=True, allow_blank=False, trim_whitespace=True)`
//! as a `Serializer` runs it on request data.

use crate::data::{FieldValue, RequestData};
use crate::pyjson::{py_code_points, py_str_number};
use serde_json::Value;
use shared::errors::ApiError;
use shared::pystr::py_isspace;

const REQUIRED: &str = "This field is required.";
const NULL: &str = "This field may not be null.";
const BLANK: &str = "This field may not be blank.";
const INVALID: &str = "Not a valid string.";
const NULL_CHARACTERS: &str = "Null characters are not allowed.";

/// A required, non-blank, whitespace-trimmed DRF `CharField` read from
/// `data`: the cleaned value, or the error message.
///
/// When DRF reports two messages (a value holding both a NUL and a lone
/// surrogate) this returns the first; [`required_strings`] reports both.
pub fn char_field(data: &RequestData, name: &str) -> Result<String, String> {
    validate(data.get(name)).map_err(|errors| errors.into_iter().next().unwrap_or_default())
}

/// Validates required `CharField`s in order: all the cleaned values, or one
/// 400 listing every failing field in the given order (DRF serializer
/// behaviour).
pub fn required_strings(data: &RequestData, names: &[&str]) -> Result<Vec<String>, ApiError> {
    let mut values = Vec::with_capacity(names.len());
    let mut errors = Vec::new();
    for name in names {
        match validate(data.get(name)) {
            Ok(value) => values.push(value),
            Err(messages) => errors.push(((*name).to_owned(), messages)),
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(ApiError::field_errors(errors))
    }
}

/// `CharField.run_validation`, with every message DRF would list.
fn validate(value: Option<&FieldValue>) -> Result<String, Vec<String>> {
    let fail = |message: &str| Err(vec![message.to_owned()]);
    let text: Vec<u32> = match value {
        None => return fail(REQUIRED),
        Some(FieldValue::Json(Value::Null)) => return fail(NULL),
        Some(FieldValue::Json(Value::String(s))) => py_code_points(s),
        Some(FieldValue::Text(s)) => s.chars().map(u32::from).collect(),
        // str() of a Python number is never blank, so the order of the checks
        // does not matter here.
        Some(FieldValue::Json(Value::Number(n))) => {
            return Ok(py_str_number(n));
        }
        // DRF rejects bool explicitly (it is an int subclass) and anything
        // that is not str/int/float; an uploaded file included.
        Some(FieldValue::Json(_) | FieldValue::File) => return fail(INVALID),
    };
    // The blank check runs on the raw value, before anything else.
    let start = text.iter().position(|&c| !py_isspace_cp(c));
    let Some(start) = start else {
        return fail(BLANK);
    };
    let end = text
        .iter()
        .rposition(|&c| !py_isspace_cp(c))
        .map_or(text.len(), |i| i + 1);
    let stripped = &text[start..end];
    // DRF runs all validators and reports every failure, in this order.
    let mut errors = Vec::new();
    if stripped.contains(&0) {
        errors.push(NULL_CHARACTERS.to_owned());
    }
    if let Some(&surrogate) = stripped.iter().find(|&&c| (0xD800..=0xDFFF).contains(&c)) {
        errors.push(format!(
            "Surrogate characters are not allowed: U+{surrogate:X}."
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(stripped.iter().filter_map(|&c| char::from_u32(c)).collect())
}

fn py_isspace_cp(c: u32) -> bool {
    char::from_u32(c).is_some_and(py_isspace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_body;
    use bytes::Bytes;
    use serde_json::json;
    use shared::errors::render_json;

    async fn json_data(body: &str) -> RequestData {
        parse_body(Some("application/json"), Bytes::from(body.to_owned()))
            .await
            .expect("valid JSON object")
    }

    #[test]
    fn python_whitespace() {
        let python = "\t\n\u{b}\u{c}\r\u{1c}\u{1d}\u{1e}\u{1f} \u{85}\u{a0}\u{1680}\
                      \u{2000}\u{2001}\u{2002}\u{2003}\u{2004}\u{2005}\u{2006}\u{2007}\
                      \u{2008}\u{2009}\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}";
        let all: Vec<char> = (0..=0x10FFFF).filter_map(char::from_u32).collect();
        let ours: String = all.iter().copied().filter(|&c| py_isspace(c)).collect();
        assert_eq!(ours, python);
    }

    #[tokio::test]
    async fn json_values() {
        let cases: &[(&str, Result<&str, &str>)] = &[
            (r#"{}"#, Err(REQUIRED)),
            (r#"{"f": null}"#, Err(NULL)),
            (r#"{"f": ""}"#, Err(BLANK)),
            (r#"{"f": "   "}"#, Err(BLANK)),
            (r#"{"f": "\u001c\u001f\u0085\u00a0\u3000\t\n"}"#, Err(BLANK)),
            (r#"{"f": " pw "}"#, Ok("pw")),
            (r#"{"f": "\u001cpw\u2003"}"#, Ok("pw")),
            (r#"{"f": " a b "}"#, Ok("a b")),
            (r#"{"f": true}"#, Err(INVALID)),
            (r#"{"f": false}"#, Err(INVALID)),
            (r#"{"f": []}"#, Err(INVALID)),
            (r#"{"f": [""]}"#, Err(INVALID)),
            (r#"{"f": {}}"#, Err(INVALID)),
            (r#"{"f": 123}"#, Ok("123")),
            (r#"{"f": -0}"#, Ok("0")),
            (r#"{"f": 0}"#, Ok("0")),
            (r#"{"f": 1.5}"#, Ok("1.5")),
            (r#"{"f": 1e20}"#, Ok("1e+20")),
            (r#"{"f": -2.50E-3}"#, Ok("-0.0025")),
            (r#"{"f": 1e400}"#, Ok("inf")),
            (r#"{"f": -0.0}"#, Ok("-0.0")),
            (
                r#"{"f": 123456789012345678901234567890}"#,
                Ok("123456789012345678901234567890"),
            ),
            (r#"{"f": "a\u0000b"}"#, Err(NULL_CHARACTERS)),
            (r#"{"f": "\u0000 "}"#, Err(NULL_CHARACTERS)),
            (r#"{"f": " \u0000"}"#, Err(NULL_CHARACTERS)),
            (
                r#"{"f": "x\ud800"}"#,
                Err("Surrogate characters are not allowed: U+D800."),
            ),
            (
                r#"{"f": "\udfff\ud800"}"#,
                Err("Surrogate characters are not allowed: U+DFFF."),
            ),
            (
                r#"{"f": "\udc00"}"#,
                Err("Surrogate characters are not allowed: U+DC00."),
            ),
            (r#"{"f": "\ud83d\ude00"}"#, Ok("\u{1F600}")),
            (
                r#"{"f": "\ud83d\u0041"}"#,
                Err("Surrogate characters are not allowed: U+D83D."),
            ),
            (r#"{"f": "\ufdd0"}"#, Ok("\u{FDD0}")),
            (
                r#"{"f": "\ufdd0\udbff"}"#,
                Err("Surrogate characters are not allowed: U+DBFF."),
            ),
            (r#"{"f": "\ufdd0\ufdd0x"}"#, Ok("\u{FDD0}\u{FDD0}x")),
            (r#"{"f": "\udb80\udc00x"}"#, Ok("\u{F0000}x")),
            (r#"{"f": "1", "f": "2"}"#, Ok("2")),
        ];
        for (body, want) in cases {
            let data = json_data(body).await;
            let want = want.map(str::to_owned).map_err(str::to_owned);
            assert_eq!(char_field(&data, "f"), want, "{body}");
        }
    }

    #[tokio::test]
    async fn nul_and_surrogate_are_both_reported() {
        let data = json_data(r#"{"f": "\u0000\ud800"}"#).await;
        assert_eq!(char_field(&data, "f"), Err(NULL_CHARACTERS.to_owned()));
        let err = required_strings(&data, &["f"]).expect_err("invalid");
        assert_eq!(
            render_json(&Value::Object(err.body().clone())),
            r#"{"f":["Null characters are not allowed.","Surrogate characters are not allowed: U+D800."]}"#
        );
    }

    #[test]
    fn text_and_file_values() {
        let data = RequestData::from_pairs(vec![
            ("blank".into(), FieldValue::Text(" \t".into())),
            ("empty".into(), FieldValue::Text(String::new())),
            ("pw".into(), FieldValue::Text(" pw ".into())),
            ("nul".into(), FieldValue::Text("a\0".into())),
            ("file".into(), FieldValue::File),
            ("twice".into(), FieldValue::Text("first".into())),
            ("twice".into(), FieldValue::Text("second".into())),
        ]);
        let cases: &[(&str, Result<&str, &str>)] = &[
            ("blank", Err(BLANK)),
            ("empty", Err(BLANK)),
            ("pw", Ok("pw")),
            ("nul", Err(NULL_CHARACTERS)),
            ("file", Err(INVALID)),
            ("twice", Ok("second")),
            ("missing", Err(REQUIRED)),
        ];
        for (name, want) in cases {
            let want = want.map(str::to_owned).map_err(str::to_owned);
            assert_eq!(char_field(&data, name), want, "{name}");
        }
    }

    #[tokio::test]
    async fn required_strings_reports_failures_in_order() {
        let data = json_data("{}").await;
        let err = required_strings(&data, &["username", "password"]).expect_err("invalid");
        assert_eq!(err.status().as_u16(), 400);
        assert_eq!(
            Value::Object(err.body().clone()),
            json!({"username": ["This field is required."], "password": ["This field is required."]})
        );
        assert_eq!(
            render_json(&Value::Object(err.body().clone())),
            r#"{"username":["This field is required."],"password":["This field is required."]}"#
        );

        let data = json_data(r#"{"password": "  ", "username": 7}"#).await;
        let err = required_strings(&data, &["username", "password"]).expect_err("invalid");
        assert_eq!(
            render_json(&Value::Object(err.body().clone())),
            r#"{"password":["This field may not be blank."]}"#
        );

        let data = json_data(r#"{"password": " secret ", "username": "bob"}"#).await;
        assert_eq!(
            required_strings(&data, &["username", "password"]).expect("valid"),
            vec!["bob".to_owned(), "secret".to_owned()]
        );

        let data = json_data(r#"{"b": null, "a": []}"#).await;
        let err = required_strings(&data, &["b", "a", "c"]).expect_err("invalid");
        assert_eq!(
            render_json(&Value::Object(err.body().clone())),
            r#"{"b":["This field may not be null."],"a":["Not a valid string."],"c":["This field is required."]}"#
        );
    }
}
