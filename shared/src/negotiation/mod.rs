//! DRF's `DefaultContentNegotiation.select_renderer`, and the media-type
//! parsing (Django's `parse_header_parameters`, DRF's `_MediaType`) that it
//! shares with parser selection (the `drf-parsers` crate).
//!
//! Written out because the `mime` crate parses by RFC rules and refuses what
//! DRF accepts (a type with no `/`, for one), while Django reads parameters
//! the way Python's `email` package does.
//!
//! The request-level entry point, [`for_request`], lives here rather than in
//! `views` so that the authentication extractor (`auth`), the views and the
//! middleware all depend on this module and none on another.

use actix_web::{HttpRequest, http::header, web};

use crate::errors::ApiError;
use crate::pystr::py_strip;

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

/// The renderer DRF's negotiation picks among a view's default two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renderer {
    /// `JSONRenderer` (`application/json`, `?format=json`).
    Json,
    /// `BrowsableAPIRenderer` (`text/html`, `?format=api`): an HTML page.
    Browsable,
}

/// Which renderer negotiation picks for `accept` and `format`, or its 406/404.
pub fn renderer(accept: Option<&str>, format: Option<&str>) -> Result<Renderer, ApiError> {
    Ok(match select(accept, format)? {
        Selected::Browsable => Renderer::Browsable,
        Selected::Json(_) => Renderer::Json,
    })
}

/// [`renderer`] for a request. The API clients' usual `Accept` (none, `*/*`,
/// `application/json`) without a `format` parameter is answered from the raw
/// header, before anything is decoded or allocated.
pub fn renderer_for(req: &HttpRequest) -> Result<Renderer, ApiError> {
    let accept = req.headers().get(header::ACCEPT);
    let plain = accept.is_none_or(|v| matches!(v.as_bytes(), b"*/*" | b"application/json"));
    if plain && !req.query_string().contains("format") {
        return Ok(Renderer::Json);
    }
    let accept = accept.map(|v| latin1(v.as_bytes()));
    renderer(accept.as_deref(), format_param(req).as_deref())
}

/// The `indent` DRF's `JSONRenderer` would pretty-print with (`Accept:
/// application/json; indent=4`), clamped to 0..=8 with 0 meaning compact, as
/// DRF's `get_indent`; `None` when negotiation fails or picks no indent.
pub fn json_indent(accept: Option<&str>, format: Option<&str>) -> Option<usize> {
    let Selected::Json(Some(accepted)) = select(accept, format).ok()? else {
        return None;
    };
    let indent: i64 = accepted.param("indent")?.trim().parse().ok()?;
    usize::try_from(indent.clamp(0, 8)).ok().filter(|&n| n > 0)
}

/// DRF content negotiation for a request (`Accept` and `?format=`): the first
/// step of every DRF view, 406 or 404 when no renderer fits.
pub fn for_request(req: &HttpRequest) -> Result<(), ApiError> {
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .map(|v| latin1(v.as_bytes()));
    negotiate(accept.as_deref(), format_param(req).as_deref())
}

/// The `?format=` query parameter DRF uses to override negotiation.
pub fn format_param(req: &HttpRequest) -> Option<String> {
    if !req.query_string().contains("format") {
        return None;
    }
    web::Query::<Vec<(String, String)>>::from_query(req.query_string())
        .ok()
        .and_then(|q| {
            q.0.into_iter()
                .rev()
                .find(|(k, _)| k == "format")
                .map(|(_, v)| v)
        })
}

/// A header value as Django sees it: bytes decoded as ISO-8859-1.
pub fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// `select_renderer`: Accept entries grouped from the most specific to the
/// least (`order_by_precedence`; q-values play no part), and within a group
/// the first renderer, in renderer order, that an entry matches.
fn select(accept: Option<&str>, format: Option<&str>) -> Result<Selected, ApiError> {
    // The common case of every API client: nothing to negotiate.
    if matches!(accept, None | Some("*/*" | "application/json")) && format.is_none() {
        return Ok(Selected::Json(None));
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
                return Ok(match *name {
                    "json" => Selected::Json(Some((*media_type).clone())),
                    _ => Selected::Browsable,
                });
            }
        }
    }
    Err(ApiError::not_acceptable())
}

/// What [`select`] chose. The JSON renderer carries the matching `Accept` entry
/// (None on the short cut): DRF passes its parameters on (`*/*; indent=4` indents too).
enum Selected {
    Json(Option<MediaType>),
    Browsable,
}

/// DRF's `_MediaType`: Django's parse of the header, then a split of the
/// (lower-cased) full type at its first `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaType {
    pub main_type: String,
    pub sub_type: String,
    pub params: Vec<(String, String)>,
}

impl MediaType {
    pub fn parse(text: &str) -> Self {
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
    pub fn matches(&self, other: &MediaType) -> bool {
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
    pub fn precedence(&self) -> u8 {
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
    pub fn param(&self, name: &str) -> Option<&str> {
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
pub fn parse_header_parameters(line: &str) -> (String, Vec<(String, String)>) {
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
mod tests;
