//! DRF's `DefaultContentNegotiation.select_renderer`, and the media-type
//! parsing (Django's `parse_header_parameters`, DRF's `_MediaType`) that it
//! shares with parser selection.
//!
//! Written out because the `mime` crate parses by RFC rules and refuses what
//! DRF accepts (a type with no `/`, for one), while Django reads parameters
//! the way Python's `email` package does.

use super::fields::py_strip;
use crate::errors::ApiError;

/// The renderers of a DRF view with the default settings:
/// `(format, media type)` of `JSONRenderer` and `BrowsableAPIRenderer`.
const RENDERERS: [(&str, &str); 2] = [("json", "application/json"), ("api", "text/html")];

/// DRF's `DefaultContentNegotiation` for views rendering JSON.
///
/// The services always answer JSON, but an `Accept` that DRF would satisfy
/// with its browsable-API renderer must still be accepted. `accept` is the
/// raw header value (None when absent), `format` the `?format=` parameter.
pub fn negotiate(accept: Option<&str>, format: Option<&str>) -> Result<(), ApiError> {
    select(accept, format).map(drop)
}

/// The `indent` DRF's `JSONRenderer` would pretty-print with (`Accept:
/// application/json; indent=4`), clamped to 0..=8 with 0 meaning compact, as
/// DRF's `get_indent`; `None` when negotiation fails or picks no indent.
pub fn json_indent(accept: Option<&str>, format: Option<&str>) -> Option<usize> {
    let accepted = select(accept, format).ok()??;
    let indent: i64 = accepted.param("indent")?.trim().parse().ok()?;
    usize::try_from(indent.clamp(0, 8)).ok().filter(|&n| n > 0)
}

/// `select_renderer`: Accept entries grouped from the most specific to the
/// least (`order_by_precedence`; q-values play no part), and within a group
/// the first renderer, in renderer order, that an entry matches. `Ok(Some)`
/// carries the matching entry when the JSON renderer was chosen: DRF passes
/// its parameters on (`*/*; indent=4` indents too).
fn select(accept: Option<&str>, format: Option<&str>) -> Result<Option<MediaType>, ApiError> {
    // The common case of every API client: nothing to negotiate.
    if matches!(accept, None | Some("*/*" | "application/json")) && format.is_none() {
        return Ok(None);
    }
    let renderers: Vec<(&str, MediaType)> = RENDERERS
        .iter()
        // DRF tests `if format:`, so an empty `?format=` filters nothing.
        .filter(|(name, _)| format.is_none_or(|f| f.is_empty() || f == *name))
        .map(|(name, media_type)| (*name, MediaType::parse(media_type)))
        .collect();
    if renderers.is_empty() {
        return Err(ApiError::not_found());
    }
    let header = accept.unwrap_or("*/*");
    let wanted: Vec<MediaType> = header
        .split(',')
        .map(|token| MediaType::parse(py_strip(token)))
        .collect();
    for precedence in (0..=3).rev() {
        let group: Vec<&MediaType> = wanted
            .iter()
            .filter(|m| m.precedence() == precedence)
            .collect();
        for (name, renderer) in &renderers {
            if let Some(media_type) = group.iter().find(|m| renderer.matches(m)) {
                return Ok((*name == "json").then(|| (*media_type).clone()));
            }
        }
    }
    Err(ApiError::not_acceptable())
}

/// DRF's `_MediaType`: Django's parse of the header, then a split of the
/// (lower-cased) full type at its first `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MediaType {
    pub(crate) main_type: String,
    pub(crate) sub_type: String,
    pub(crate) params: Vec<(String, String)>,
}

impl MediaType {
    pub(crate) fn parse(text: &str) -> Self {
        let (full_type, params) = parse_header_parameters(text);
        let (main_type, sub_type) = match full_type.split_once('/') {
            Some((main, sub)) => (main.to_owned(), sub.to_owned()),
            None => (full_type, String::new()),
        };
        Self {
            main_type,
            sub_type,
            params,
        }
    }

    /// `_MediaType.match`: does `self` (a parser's or renderer's type)
    /// satisfy `other` (what the request sent)? A `*` on either side matches;
    /// only `self`'s parameters are compared, and ours never have any.
    pub(crate) fn matches(&self, other: &MediaType) -> bool {
        for (key, value) in &self.params {
            if key != "q" && other.param(key) != Some(value.as_str()) {
                return false;
            }
        }
        let part_ok = |mine: &str, theirs: &str| mine == "*" || theirs == "*" || mine == theirs;
        part_ok(&self.sub_type, &other.sub_type) && part_ok(&self.main_type, &other.main_type)
    }

    /// `_MediaType.precedence`: 0 for `*/*`, 1 for `type/*`, 2 for a full
    /// type, 3 for a full type with parameters other than `q`.
    pub(crate) fn precedence(&self) -> u8 {
        if self.main_type == "*" {
            0
        } else if self.sub_type == "*" {
            1
        } else if self.params.iter().all(|(key, _)| key == "q") {
            2
        } else {
            3
        }
    }

    /// A parameter's value; Django keeps the last of repeated names.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Django's `parse_header_parameters`: the lower-cased main value and the
/// parameters (names lower-cased, values unquoted), as parsed by Python's
/// `email.message.Message.get_params`.
///
/// RFC 2231 parameters (`name*=...`) are dropped rather than decoded.
pub(crate) fn parse_header_parameters(line: &str) -> (String, Vec<(String, String)>) {
    if line.is_empty() {
        return (String::new(), Vec::new());
    }
    if !line.contains(';') {
        return (py_strip(line).to_lowercase(), Vec::new());
    }
    let mut pieces = parse_param(line)
        .into_iter()
        .map(|piece| match piece.split_once('=') {
            Some((name, value)) => (py_strip(name).to_owned(), py_strip(value).to_owned()),
            None => (py_strip(&piece).to_owned(), String::new()),
        });
    // Django keeps only the name of the first piece: the main value.
    let key = pieces
        .next()
        .map(|(name, _)| name.to_lowercase())
        .unwrap_or_default();
    let params = pieces
        .filter(|(name, _)| !name.is_empty() && !is_rfc2231_name(name))
        // email.utils.decode_params unquotes and re-quotes; get_params then
        // unquotes again.
        .map(|(name, value)| {
            let requoted = format!("\"{}\"", email_quote(&email_unquote(&value)));
            (name, email_unquote(&requoted))
        })
        .collect();
    (key, params)
}

/// `^\w+\*([0-9]+\*?)?$`: names that email's RFC 2231 decoding takes over.
fn is_rfc2231_name(name: &str) -> bool {
    let Some(star) = name.find('*') else {
        return false;
    };
    let (base, rest) = name.split_at(star);
    let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    if base.is_empty() || !base.chars().all(word) {
        return false;
    }
    let rest = &rest[1..];
    let digits = rest.trim_end_matches('*');
    rest.len() - digits.len() <= usize::from(!digits.is_empty())
        && digits.chars().all(|c| c.is_ascii_digit())
}

/// `email.message._parseparam`: split at `;` outside double quotes; around
/// the first `=` of each piece, strip, and lower-case the name.
///
/// Python re-counts the quotes of the whole prefix at every candidate `;` and
/// copies the rest of the line after each piece, which is quadratic in the
/// header's length (a `"` followed by 120,000 `;` cost seconds). The same
/// decisions are made here with offsets into `line` and running counts of
/// `"` and `\"` in the current piece, so every byte is looked at once.
fn parse_param(line: &str) -> Vec<String> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    // Python prepends a `;` and strips it: the first piece starts at 0.
    let mut start = 0;
    loop {
        let end = piece_end(bytes, start);
        let piece = &line[start..end];
        let piece = match piece.split_once('=') {
            Some((name, value)) => format!("{}={}", py_strip(name).to_lowercase(), py_strip(value)),
            None => piece.to_owned(),
        };
        out.push(py_strip(&piece).to_owned());
        if end == bytes.len() {
            return out;
        }
        // `s = s[end:]` starts with the `;` that the next round strips.
        start = end + 1;
    }
}

/// Where the piece starting at `start` ends: the first `;` after which the
/// piece holds an even number of unescaped quotes (`s.count('"', 0, end) -
/// s.count('\\"', 0, end)`, the two counts kept as the scan moves on), or
/// the end of the line. As in Python (`while end > 0 and ...`), a `;` right
/// at the start ends an empty piece whatever the quoting.
fn piece_end(bytes: &[u8], start: usize) -> usize {
    let mut quotes = 0usize;
    let mut escaped = 0usize;
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b';' if i == start || (quotes - escaped).is_multiple_of(2) => return i,
            b'"' => {
                quotes += 1;
                // A `\"` pair never straddles `start`: a `;` sits before it.
                if i > start && bytes[i - 1] == b'\\' {
                    escaped += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// `email.utils.unquote`.
fn email_unquote(s: &str) -> String {
    if s.chars().count() > 1 {
        if let Some(inner) = s.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
            return inner.replace("\\\\", "\\").replace("\\\"", "\"");
        }
        if let Some(inner) = s.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
            return inner.to_owned();
        }
    }
    s.to_owned()
}

/// `email.utils.quote`.
fn email_quote(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

#[cfg(test)]
mod tests {
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
}
