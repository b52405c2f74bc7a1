use super::*;
use serde_json::{Number, Value};
use std::str::FromStr;

fn number(text: &str) -> Number {
    Number::from_str(text).expect("JSON number")
}

#[test]
fn python_str_of_numbers() {
    let cases = [
        ("0", "0"),
        ("-0", "0"),
        ("123", "123"),
        ("-42", "-42"),
        (
            "123456789012345678901234567890",
            "123456789012345678901234567890",
        ),
        (
            "-123456789012345678901234567890",
            "-123456789012345678901234567890",
        ),
        ("1.5", "1.5"),
        ("1e20", "1e+20"),
        ("1E20", "1e+20"),
        ("1e+20", "1e+20"),
        ("1e16", "1e+16"),
        ("1e15", "1000000000000000.0"),
        ("123456789012345.0", "123456789012345.0"),
        ("1234567890123456789.0", "1.2345678901234568e+18"),
        ("1e-5", "1e-05"),
        ("0.0001", "0.0001"),
        ("0.00012", "0.00012"),
        ("1.5e-7", "1.5e-07"),
        ("1e100", "1e+100"),
        ("1e-100", "1e-100"),
        ("0.0", "0.0"),
        ("-0.0", "-0.0"),
        ("0e5", "0.0"),
        ("-0e0", "-0.0"),
        ("1e400", "inf"),
        ("-1e400", "-inf"),
        ("1e-400", "0.0"),
        ("100", "100"),
        ("100.0", "100.0"),
        ("2.50", "2.5"),
        ("0.1", "0.1"),
        ("0.30000000000000004", "0.30000000000000004"),
        ("5e-324", "5e-324"),
        ("1.7976931348623157e308", "1.7976931348623157e+308"),
        ("9007199254740993", "9007199254740993"),
        ("9007199254740993.0", "9007199254740992.0"),
        // Exact ties in the last digit round half to even, as in Python.
        ("188571447730000.125", "188571447730000.12"),
        ("805789408712035.25", "805789408712035.2"),
    ];
    for (text, python) in cases {
        assert_eq!(py_str_number(&number(text)), python, "{text}");
    }
    assert_eq!(py_str_number(&Number::from(7u64)), "7");
    assert_eq!(py_str_number(&Number::from(-7i64)), "-7");
    if let Some(n) = Number::from_f64(3.0) {
        assert_eq!(py_str_number(&n), "3.0");
    }
}

#[test]
fn lone_surrogates_survive_decoding() {
    let value = loads(r#"["\ud800", "\udfff", "\ufdd0", "\ufdd0\ud800", "x\ud83d\ude00"]"#)
        .expect("Python accepts lone surrogates");
    let Value::Array(items) = value else {
        panic!("not a list: {value:?}");
    };
    let points: Vec<Vec<u32>> = items
        .iter()
        .map(|item| py_code_points(item.as_str().unwrap_or_default()))
        .collect();
    assert_eq!(
        points,
        vec![
            vec![0xD800],
            vec![0xDFFF],
            vec![0xFDD0],
            vec![0xFDD0, 0xD800],
            vec![u32::from('x'), 0x1F600],
        ]
    );
    // Distinct lone surrogates stay distinct keys.
    let Ok(Value::Object(map)) = loads(r#"{"\ud800": 1, "\ud801": 2, "\ud800": 3}"#) else {
        panic!("object expected");
    };
    assert_eq!(map.len(), 2);
}

#[test]
fn repeated_keys_keep_first_position_last_value() {
    let value = loads(r#"{"a": 1, "b": 2, "a": 3}"#).expect("object");
    assert_eq!(
        serde_json::to_string(&value).ok().as_deref(),
        Some(r#"{"a":3,"b":2}"#)
    );
}

#[test]
fn escapes() {
    let value = loads(r#""\"\\\/\b\f\n\r\t\u00e9\u0041""#).expect("string");
    assert_eq!(value, Value::String("\"\\/\u{8}\u{c}\n\r\téA".to_owned()));
}

#[test]
fn nesting_limit() {
    let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    assert!(loads(&nested(MAX_DEPTH)).is_ok());
    assert_eq!(loads(&nested(MAX_DEPTH + 1)), Err(JsonError::TooDeep));
    // The limit is hit before the syntax error further on.
    assert_eq!(loads(&"[".repeat(MAX_DEPTH + 1)), Err(JsonError::TooDeep));
    assert_eq!(
        loads(&"[".repeat(10)),
        Err(JsonError::Invalid(
            "Expecting value: line 1 column 11 (char 10)".to_owned()
        ))
    );
}
