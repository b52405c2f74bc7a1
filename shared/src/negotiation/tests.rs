use super::*;
use actix_web::http::StatusCode;

#[test]
fn accept_headers() {
    let ok = [
        None,
        Some("application/json"),
        Some("*/*"),
        Some("application/*"),
        Some("text/html"),
        Some("text/*"),
        Some("application/json; indent=4"),
        Some("application/xml, */*"),
        Some("APPLICATION/JSON"),
        Some("application/json;q=0"),
        Some("text/plain, application/json;q=0.1"),
        Some("  application/json  "),
        Some("application/xml,,text/html"),
        Some("text/html;level=1"),
        Some("*/json"),
    ];
    for accept in ok {
        assert!(negotiate(accept, None).is_ok(), "{accept:?}");
    }
    let refused = [
        Some("application/xml"),
        Some(""),
        Some("  "),
        Some("*"),
        Some("application"),
        Some("text/plain, image/*"),
        Some("application/json-patch+json"),
        Some("application / json"),
    ];
    for accept in refused {
        let err = negotiate(accept, None).expect_err("406 expected");
        assert_eq!(err.status(), StatusCode::NOT_ACCEPTABLE, "{accept:?}");
        assert_eq!(
            err.detail_text(),
            Some("Could not satisfy the request Accept header.")
        );
    }
}

#[test]
fn indent_follows_drf_get_indent() {
    assert_eq!(
        json_indent(Some("application/json; indent=4"), None),
        Some(4)
    );
    assert_eq!(
        json_indent(Some("application/json; indent=12"), None),
        Some(8)
    );
    assert_eq!(json_indent(Some("application/json; indent=0"), None), None);
    assert_eq!(json_indent(Some("application/json; indent=x"), None), None);
    assert_eq!(json_indent(Some("*/*; indent=4"), None), Some(4));
    assert_eq!(json_indent(Some("text/html; indent=4"), None), None);
    assert_eq!(json_indent(Some("application/json"), None), None);
    assert_eq!(json_indent(None, None), None);
    assert_eq!(json_indent(Some("application/xml"), None), None);
}

#[test]
fn format_parameter() {
    let cases: [(Option<&str>, Option<&str>, u16); 9] = [
        (Some("json"), None, 200),
        (Some("api"), None, 200),
        (Some(""), Some("application/xml"), 406),
        (Some(""), None, 200),
        (Some("xml"), None, 404),
        (Some("JSON"), None, 404),
        (Some("json"), Some("text/html"), 406),
        (Some("api"), Some("application/json"), 406),
        (Some("api"), Some("text/*"), 200),
    ];
    for (format, accept, status) in cases {
        let got = match negotiate(accept, format) {
            Ok(()) => 200,
            Err(err) => err.status().as_u16(),
        };
        assert_eq!(got, status, "format={format:?} accept={accept:?}");
    }
    assert_eq!(
        negotiate(None, Some("yaml"))
            .expect_err("404")
            .detail_text(),
        Some("Not found.")
    );
}

#[test]
fn header_parameters_like_django() {
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);
    let cases: [Case; 9] = [
        ("", "", &[]),
        (" Application/JSON ", "application/json", &[]),
        (
            "application/json; charset=UTF-8",
            "application/json",
            &[("charset", "UTF-8")],
        ),
        (
            "multipart/form-data; boundary=\"a;b\"",
            "multipart/form-data",
            &[("boundary", "a;b")],
        ),
        (
            "text/plain; A = \"x\\\"y\" ; b",
            "text/plain",
            &[("a", "x\"y"), ("b", "")],
        ),
        ("text/plain;;q=1", "text/plain", &[("q", "1")]),
        ("a/b; x=<y>", "a/b", &[("x", "y")]),
        ("a/b; name*=utf-8''x; c=d", "a/b", &[("c", "d")]),
        ("form-data=x; name=a", "form-data", &[("name", "a")]),
    ];
    for (line, key, params) in cases {
        let (got_key, got_params) = parse_header_parameters(line);
        assert_eq!(got_key, key, "{line:?}");
        let want: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(got_params, want, "{line:?}");
    }
}

/// Outputs of Python 3's `email.message._parseparam` for each line.
#[test]
fn parse_param_like_python() {
    let cases: [(&str, &[&str]); 15] = [
        ("a;\"", &["a", "\""]),
        ("a;\";b", &["a", "\";b"]),
        (";a", &["", "a"]),
        ("a;;b", &["a", "", "b"]),
        ("a; x=\"1;2\"; y=3", &["a", "x=\"1;2\"", "y=3"]),
        ("a; x=\"1\\\";2\"; y=3", &["a", "x=\"1\\\";2\"", "y=3"]),
        ("a; x=\"1\\\\\";2\"; y", &["a", "x=\"1\\\\\";2\"", "y"]),
        ("\"a;b\";c", &["\"a;b\"", "c"]),
        ("a;\" ;", &["a", "\" ;"]),
        ("A = B ;C=D", &["a=B", "c=D"]),
        ("a; \"x;y\" = \"1;2\" ;z", &["a", "\"x;y\"=\"1;2\"", "z"]),
        ("a;\\\";b", &["a", "\\\"", "b"]),
        ("a;\"\"\";\";b", &["a", "\"\"\";\"", "b"]),
        ("x;", &["x", ""]),
        (";", &["", ""]),
    ];
    for (line, want) in cases {
        assert_eq!(parse_param(line), want, "{line:?}");
    }
}

/// The quadratic transcription of Python's loop this module used before,
/// kept as the reference the linear one must agree with.
fn parse_param_reference(line: &str) -> Vec<String> {
    let unescaped_quotes = |s: &str| s.matches('"').count() - s.matches("\\\"").count();
    let mut out = Vec::new();
    let mut s = format!(";{line}");
    while let Some(rest) = s.strip_prefix(';') {
        let rest = rest.to_owned();
        let mut end = rest.find(';');
        while let Some(e) = end {
            if e == 0 || unescaped_quotes(&rest[..e]).is_multiple_of(2) {
                break;
            }
            end = rest[e + 1..].find(';').map(|i| e + 1 + i);
        }
        let end = end.unwrap_or(rest.len());
        let piece = &rest[..end];
        let piece = match piece.split_once('=') {
            Some((name, value)) => {
                format!("{}={}", py_strip(name).to_lowercase(), py_strip(value))
            }
            None => piece.to_owned(),
        };
        out.push(py_strip(&piece).to_owned());
        s = rest[end..].to_owned();
    }
    out
}

#[test]
fn parse_param_agrees_with_the_reference() {
    const ALPHABET: [&str; 10] = [";", "\"", "\\", "=", " ", "a", "B", "é", "\\\"", ";;"];
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..20_000 {
        let mut line = String::new();
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = (state % 24) as usize;
        for _ in 0..len {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            line.push_str(ALPHABET[(state % ALPHABET.len() as u64) as usize]);
        }
        assert_eq!(parse_param(&line), parse_param_reference(&line), "{line:?}");
    }
}

/// 120,000 `;` after an open quote took seconds when each `;` re-counted
/// the quotes before it; linear now, so even a debug build is quick.
#[test]
fn unbalanced_quote_then_many_semicolons_is_one_piece() {
    let line = format!("a;\"{}", ";".repeat(120_000));
    let pieces = parse_param(&line);
    assert_eq!(pieces.len(), 2);
    assert_eq!(pieces[1].len(), 120_001);
    let (key, params) = parse_header_parameters(&line);
    assert_eq!(key, "a");
    assert_eq!(params.len(), 1);
}

#[test]
fn media_type_matching() {
    let json = MediaType::parse("application/json");
    for other in [
        "*/*",
        "application/*",
        "*/json",
        "Application/Json; charset=x",
    ] {
        assert!(json.matches(&MediaType::parse(other)), "{other}");
    }
    for other in ["", "application", "text/json", "application/json5", "*"] {
        assert!(!json.matches(&MediaType::parse(other)), "{other}");
    }
}

#[test]
fn renderer_choice_like_drf() {
    let browser =
        "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";
    let cases: [(Option<&str>, Option<&str>, Renderer); 10] = [
        (None, None, Renderer::Json),
        (Some("*/*"), None, Renderer::Json),
        (Some("application/json"), None, Renderer::Json),
        (Some("text/html"), None, Renderer::Browsable),
        (Some(browser), None, Renderer::Browsable),
        (Some("text/*"), None, Renderer::Browsable),
        // Within a precedence group the JSON renderer comes first.
        (Some("text/html, application/json"), None, Renderer::Json),
        (Some("*/*; indent=4"), None, Renderer::Json),
        (None, Some("api"), Renderer::Browsable),
        (Some("text/html, */*"), Some("json"), Renderer::Json),
    ];
    for (accept, format, want) in cases {
        let got = renderer(accept, format);
        assert_eq!(got.ok(), Some(want), "accept={accept:?} format={format:?}");
    }
    assert!(renderer(Some("application/xml"), None).is_err());
    assert!(renderer(Some("text/html"), Some("json")).is_err());
}
