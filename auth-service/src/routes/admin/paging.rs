//! DRF's `PageNumberPagination` (with `page_size_query_param = "page_size"`,
//! `max_page_size`) and `SearchFilter` query parameters, and the `next`/`previous` links
//! built as DRF builds them (`replace_query_param`: the query re-encoded with its keys
//! sorted, `quote_plus` style).

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use actix_web::http::header::HOST;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use shared::ApiError;

pub const DEFAULT_PAGE_SIZE: i64 = 50;
pub const MAX_PAGE_SIZE: i64 = 500;
/// Longest `search` accepted: no column is longer than 254 characters, and the terms
/// become LIKE conditions, so their number is bounded too.
pub const MAX_SEARCH_CHARS: usize = 256;

/// The query string's pairs, decoded as Django's `QueryDict` does (`+` is a space).
pub fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key), decode(value))
        })
        .collect()
}

fn decode(text: &str) -> String {
    percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// `QueryDict.get`: the last value of `key`.
pub fn last<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// DRF's `get_page_size`: a positive integer, capped at the maximum; anything else
/// (absent, not a number, zero or negative) is the default.
pub fn page_size(pairs: &[(String, String)]) -> i64 {
    last(pairs, "page_size")
        .and_then(|raw| raw.trim().parse::<i64>().ok())
        .filter(|&n| n > 0)
        .map_or(DEFAULT_PAGE_SIZE, |n| n.min(MAX_PAGE_SIZE))
}

/// `SearchFilter.get_search_terms`: NULs dropped, commas are spaces, split on whitespace;
/// every term must match one of the fields.
pub fn search_terms(pairs: &[(String, String)]) -> Result<Vec<String>, ApiError> {
    let Some(raw) = last(pairs, "search") else {
        return Ok(Vec::new());
    };
    if raw.chars().count() > MAX_SEARCH_CHARS {
        return Err(ApiError::field_errors(vec![(
            "search".into(),
            vec![format!(
                "Ensure this field has no more than {MAX_SEARCH_CHARS} characters."
            )],
        )]));
    }
    Ok(raw
        .replace('\0', "")
        .replace(',', " ")
        .split_whitespace()
        .map(str::to_owned)
        .collect())
}

/// Django's `Paginator.validate_number` for `page` (absent or empty: 1; `last`: the last
/// page): the page number, or DRF's 404 "Invalid page.".
pub fn page_number(pairs: &[(String, String)], count: i64, size: i64) -> Result<i64, ApiError> {
    // allow_empty_first_page: an empty result still has page 1
    let pages = ((count + size - 1) / size).max(1);
    let number = match last(pairs, "page") {
        None | Some("") => 1,
        Some("last") => pages,
        Some(raw) => raw.trim().parse::<i64>().map_err(|_| invalid_page())?,
    };
    if number < 1 || number > pages {
        return Err(invalid_page());
    }
    Ok(number)
}

fn invalid_page() -> ApiError {
    ApiError::detail(StatusCode::NOT_FOUND, "Invalid page.")
}

/// `urllib.parse.quote_plus`'s safe set: letters, digits and `_.-~`.
const QUOTE_PLUS: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'_')
    .remove(b'.')
    .remove(b'-')
    .remove(b'~');

fn quote_plus(text: &str) -> String {
    utf8_percent_encode(text, QUOTE_PLUS)
        .to_string()
        .replace("%20", "+")
}

/// `request.build_absolute_uri()` with `page` set to `page` (`None`: removed), as DRF's
/// `replace_query_param` / `remove_query_param` write it.
pub fn link(req: &HttpRequest, pairs: &[(String, String)], page: Option<i64>) -> String {
    // parse_qs groups the values of a key (in order); urlencode(sorted(...)) sorts the keys
    let mut keys: Vec<&str> = Vec::new();
    for (key, _) in pairs {
        if key != "page" && !keys.contains(&key.as_str()) {
            keys.push(key);
        }
    }
    let page_text = page.map(|n| n.to_string());
    if page_text.is_some() {
        keys.push("page");
    }
    keys.sort_unstable();
    let mut query = Vec::new();
    for key in keys {
        if key == "page" {
            if let Some(n) = &page_text {
                query.push(format!("page={n}"));
            }
            continue;
        }
        for (k, v) in pairs.iter().filter(|(k, _)| k == key) {
            query.push(format!("{}={}", quote_plus(k), quote_plus(v)));
        }
    }
    let scheme = if req.app_config().secure() {
        "https"
    } else {
        "http"
    };
    let host = req
        .headers()
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_else(|| req.app_config().host());
    let path = req.uri().path();
    if query.is_empty() {
        format!("{scheme}://{host}{path}")
    } else {
        format!("{scheme}://{host}{path}?{}", query.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        query_pairs(query)
    }

    #[test]
    fn page_sizes_follow_drf() {
        assert_eq!(page_size(&pairs("")), 50);
        assert_eq!(page_size(&pairs("page_size=10")), 10);
        assert_eq!(page_size(&pairs("page_size=100000")), 500);
        assert_eq!(page_size(&pairs("page_size=0")), 50);
        assert_eq!(page_size(&pairs("page_size=-3")), 50);
        assert_eq!(page_size(&pairs("page_size=x")), 50);
    }

    #[test]
    fn page_numbers_follow_django() {
        assert_eq!(page_number(&pairs(""), 0, 50).ok(), Some(1));
        assert_eq!(page_number(&pairs("page=last"), 101, 50).ok(), Some(3));
        assert_eq!(page_number(&pairs("page=2"), 101, 50).ok(), Some(2));
        for bad in [
            "page=4",
            "page=0",
            "page=-1",
            "page=x",
            "page=2.0",
            "page=99999999999999999999",
        ] {
            let err = page_number(&pairs(bad), 101, 50).expect_err(bad);
            assert_eq!(err.status(), StatusCode::NOT_FOUND);
            assert_eq!(err.detail_text(), Some("Invalid page."));
        }
    }

    #[test]
    fn search_terms_follow_drf() {
        assert_eq!(
            search_terms(&pairs("search=a%2Cb++c")).unwrap(),
            ["a", "b", "c"]
        );
        assert_eq!(search_terms(&pairs("search=50%25")).unwrap(), ["50%"]);
        assert!(search_terms(&pairs("")).unwrap().is_empty());
        assert!(search_terms(&pairs(&format!("search={}", "a".repeat(257)))).is_err());
    }

    #[test]
    fn quote_plus_as_python() {
        assert_eq!(quote_plus("a b+c/%~_.-é"), "a+b%2Bc%2F%25~_.-%C3%A9");
    }
}
