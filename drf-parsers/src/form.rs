//! DRF's `FormParser`, which is Django's `QueryDict(body)`.
//!
//! The splitting is written out here because `form_urlencoded` decodes
//! escapes as UTF-8 over the whole value, while Python decodes each run of
//! ASCII characters on its own with the request charset; the percent escapes
//! themselves are decoded by `percent-encoding`, whose rule (`%` and two hex
//! digits, any other `%` kept) is exactly `unquote_to_bytes`.

use crate::charset::Charset;
use crate::data::{FieldValue, RequestData};
use percent_encoding::percent_decode;

/// Django's `QueryDict(body)`: strict decode with the request charset (the
/// whole body falls back to Latin-1 when that fails), then `parse_qsl` with
/// `keep_blank_values`: split at `&` only, skip empty pieces, `+` is a space,
/// percent escapes decoded with the charset and `errors="replace"`.
pub(super) fn parse(body: &[u8], charset: Charset) -> RequestData {
    let text = charset
        .decode_strict(body)
        .unwrap_or_else(|| Charset::Latin1.decode_lossy(body));
    let pairs = text
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            (
                unquote(&name.replace('+', " "), charset),
                FieldValue::Text(unquote(&value.replace('+', " "), charset)),
            )
        })
        .collect();
    RequestData::from_pairs(pairs)
}

/// `urllib.parse.unquote(s, charset, "replace")`: each run of ASCII
/// characters is percent-decoded and decoded on its own; other characters
/// pass through untouched.
fn unquote(s: &str, charset: Charset) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        let ascii_len = rest.find(|c: char| !c.is_ascii()).unwrap_or(rest.len());
        let (ascii, tail) = rest.split_at(ascii_len);
        if !ascii.is_empty() {
            out.push_str(
                &charset.decode_lossy(&percent_decode(ascii.as_bytes()).collect::<Vec<u8>>()),
            );
        }
        let other_len = tail.find(|c: char| c.is_ascii()).unwrap_or(tail.len());
        let (other, tail) = tail.split_at(other_len);
        out.push_str(other);
        rest = tail;
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::char_field;
    use crate::testing::{run, text};

    #[test]
    fn forms() {
        let ct = Some("application/x-www-form-urlencoded");
        let data = run(
            ct,
            b"username=a+b%20c&password=+p%2Bw+&flag&empty=&&x=1&x=2&=v&k=a=b",
        )
        .expect("form");
        let cases = [
            ("username", "a b c"),
            ("password", " p+w "),
            ("flag", ""),
            ("empty", ""),
            ("x", "2"),
            ("", "v"),
            ("k", "a=b"),
        ];
        for (name, value) in cases {
            assert_eq!(text(&data, name).as_deref(), Some(value), "{name}");
        }
        assert_eq!(char_field(&data, "password"), Ok("p+w".to_owned()));
        assert_eq!(
            char_field(&data, "flag"),
            Err("This field may not be blank.".to_owned())
        );
        // `;` is not a separator.
        let data = run(ct, b"a=1;b=2").expect("form");
        assert_eq!(text(&data, "a").as_deref(), Some("1;b=2"));
    }

    #[test]
    fn form_decoding() {
        let ct = Some("application/x-www-form-urlencoded");
        let cases: &[(&[u8], &str)] = &[
            (b"a=%ff", "\u{fffd}"),
            (b"a=%C3%A9", "é"),
            (b"a=%C3", "\u{fffd}"),
            (b"a=%e2%82%28", "\u{fffd}("),
            (b"a=%zz%4", "%zz%4"),
            (b"a=%", "%"),
            ("a=é%41".as_bytes(), "éA"),
            ("a=%C3é%A9".as_bytes(), "\u{fffd}é\u{fffd}"),
            // Raw bytes that are not UTF-8: Django decodes the whole body as
            // Latin-1 instead.
            (b"a=\xff", "ÿ"),
            (b"a=\xc3\xa9&b=\xff", "Ã©"),
        ];
        for (body, value) in cases {
            let data = run(ct, body).expect("form");
            assert_eq!(text(&data, "a").as_deref(), Some(*value), "{body:?}");
        }
        let latin = Some("application/x-www-form-urlencoded; charset=latin-1");
        let data = run(latin, b"a=%E9&b=\xe9").expect("form");
        assert_eq!(text(&data, "a").as_deref(), Some("é"));
        assert_eq!(text(&data, "b").as_deref(), Some("é"));
    }
}
