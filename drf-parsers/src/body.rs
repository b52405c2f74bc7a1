//! DRF's `request.data` with the default parsers (`JSONParser`, `FormParser`,
//! `MultiPartParser`): the choice of parser by Content-Type. The parsers live
//! beside this module: [`crate::json`], [`crate::form`] and
//! [`crate::multipart`], all decoding with the request charset of
//! [`crate::charset`] into the types of [`crate::data`].

use bytes::Bytes;
use shared::errors::ApiError;
use shared::negotiation::MediaType;

use crate::charset::Charset;
use crate::data::RequestData;
use crate::{form, json, multipart};

/// DRF's `request.data`: chooses a parser by Content-Type and parses.
/// `content_type` is the raw header value (None when absent).
pub async fn parse_body(content_type: Option<&str>, body: Bytes) -> Result<RequestData, ApiError> {
    parse(content_type, &body)
}

pub(crate) fn parse(content_type: Option<&str>, body: &[u8]) -> Result<RequestData, ApiError> {
    // DRF does not even look at the Content-Type of an empty body.
    if body.is_empty() {
        return Ok(RequestData::empty());
    }
    // A missing header reaches DRF as "", which matches no parser.
    let raw = content_type.unwrap_or("");
    let media_type = MediaType::parse(raw);
    let charset = Charset::of(media_type.param("charset"));
    if MediaType::parse("application/json").matches(&media_type) {
        json::parse(body, charset)
    } else if MediaType::parse("application/x-www-form-urlencoded").matches(&media_type) {
        Ok(form::parse(body, charset))
    } else if MediaType::parse("multipart/form-data").matches(&media_type) {
        multipart::parse(raw, body, charset)
    } else {
        Err(ApiError::unsupported_media_type(raw))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::char_field;
    use crate::data::FieldValue;
    use crate::testing::{MP, failure, run, text};
    use serde_json::json;

    #[tokio::test]
    async fn parse_body_is_the_async_entry_point() {
        let data = parse_body(Some("application/json"), Bytes::from_static(b"{\"a\": 1}"))
            .await
            .expect("object");
        assert_eq!(data.get("a"), Some(&FieldValue::Json(json!(1))));
        assert_eq!(RequestData::empty().get("a"), None);
    }

    #[test]
    fn empty_body_is_empty_data_whatever_the_type() {
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/json"),
            Some("multipart/form-data"),
            Some("Multipart/form-data; boundary=x"),
            Some(""),
        ] {
            assert_eq!(run(content_type, b"").expect("empty"), RequestData::empty());
        }
    }

    #[test]
    fn unsupported_media_types() {
        let cases: [(Option<&str>, &str); 8] = [
            (None, ""),
            (Some(""), ""),
            (Some("text/plain"), "text/plain"),
            (
                Some("text/plain; charset=utf-8"),
                "text/plain; charset=utf-8",
            ),
            (Some("application/vnd.api+json"), "application/vnd.api+json"),
            (
                Some("application/json-patch+json"),
                "application/json-patch+json",
            ),
            (Some("text/*"), "text/*"),
            (Some("application"), "application"),
        ];
        for (content_type, shown) in cases {
            let (status, body) = failure(content_type, b"{}");
            assert_eq!(status, 415);
            assert_eq!(
                body,
                format!(r#"{{"detail":"Unsupported media type \"{shown}\" in request."}}"#)
            );
        }
    }

    #[test]
    fn parser_selection() {
        let json_types = [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON;charset=UTF-8",
            " application/json ",
            "*/*",
            "application/*",
            "*/json",
            "*/*; charset=utf-8",
        ];
        for content_type in json_types {
            let data = run(Some(content_type), br#"{"username": "bob"}"#).expect(content_type);
            assert_eq!(
                data.get("username"),
                Some(&FieldValue::Json(json!("bob"))),
                "{content_type}"
            );
        }
        for content_type in [
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=utf-8",
            "APPLICATION/X-WWW-FORM-URLENCODED",
            "*/x-www-form-urlencoded",
        ] {
            let data = run(Some(content_type), b"username=bob").expect(content_type);
            assert_eq!(text(&data, "username").as_deref(), Some("bob"));
        }
    }

    #[test]
    fn nul_characters() {
        let data = run(Some("application/json"), br#"{"a": "x\u0000y"}"#).expect("json");
        assert_eq!(
            char_field(&data, "a"),
            Err("Null characters are not allowed.".to_owned())
        );
        let data = run(Some("application/x-www-form-urlencoded"), b"a=x%00y").expect("form");
        assert_eq!(text(&data, "a").as_deref(), Some("x\0y"));
        assert_eq!(
            char_field(&data, "a"),
            Err("Null characters are not allowed.".to_owned())
        );
    }

    /// A deterministic xorshift generator: no dependency, reproducible.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    #[test]
    fn no_input_panics() {
        const PIECES: &[&[u8]] = &[
            b"{",
            b"}",
            b"[",
            b"]",
            b"\"",
            b"\\",
            b"\\u",
            b"d800",
            b"dc00",
            b":",
            b",",
            b"1",
            b"-",
            b"e",
            b".",
            b"NaN",
            b"null",
            b"true",
            b"\xff",
            b"\xe2\x82",
            b"\xf0",
            b" ",
            b"\r\n",
            b"\r\n\r\n",
            b"--XyZ",
            b"--",
            b"=",
            b"&",
            b"%",
            b"%0",
            b"+",
            b"a",
            b"Content-Disposition: form-data; name=\"a\"",
            b"; filename=\"f\"",
            b"\0",
            b"Content-Transfer-Encoding: base64",
            b"\xef\xbb\xbf",
            b"\xc3\xa9",
            b"&#47;",
        ];
        let content_types = [
            None,
            Some("application/json"),
            Some("application/json; charset=ascii"),
            Some("application/json; charset=utf-8-sig"),
            Some("application/x-www-form-urlencoded"),
            Some("application/x-www-form-urlencoded; charset=latin1"),
            Some(MP),
            Some("multipart/form-data; boundary=-"),
            Some("text/plain"),
        ];
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        for round in 0..400 {
            let mut body = Vec::new();
            let len = rng.below(64);
            for _ in 0..len {
                if round % 2 == 0 {
                    body.extend_from_slice(PIECES[rng.below(PIECES.len())]);
                } else {
                    body.push((rng.next() & 0xff) as u8);
                }
            }
            for content_type in content_types {
                if let Ok(data) = run(content_type, &body) {
                    for name in ["a", "", "username"] {
                        let _ = char_field(&data, name);
                    }
                }
            }
        }
    }
}
