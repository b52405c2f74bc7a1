//! simplejwt's `JWTAuthentication.get_header` / `get_raw_token` (docs/simplejwt.md §5.1).

use actix_web::HttpRequest;
use std::borrow::Cow;

/// The header named by `AUTH_HEADER_NAME` holds a known scheme but not exactly
/// one token after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadAuthorizationHeader;

/// The raw header bytes. Repeated headers are joined with "," as a WSGI server
/// joins them, so `Bearer a` twice becomes three parts and is refused.
pub fn header_bytes<'r>(req: &'r HttpRequest, name: &str) -> Option<Cow<'r, [u8]>> {
    let mut values = req.headers().get_all(name);
    let first = values.next()?;
    let Some(second) = values.next() else {
        // the usual case: one header, borrowed
        return Some(Cow::Borrowed(first.as_bytes()));
    };
    let mut joined = first.as_bytes().to_vec();
    for value in std::iter::once(second).chain(values) {
        joined.push(b',');
        joined.extend_from_slice(value.as_bytes());
    }
    Some(Cow::Owned(joined))
}

/// Python's `bytes.split()`: runs of ASCII whitespace separate parts.
fn parts(header: &[u8]) -> impl Iterator<Item = &[u8]> {
    header
        .split(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c'))
        .filter(|part| !part.is_empty())
}

/// Non-empty, and no byte at or below the space: none of Python's whitespace.
fn above_space(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().fold(u8::MAX, |min, &b| min.min(b)) > b' '
}

/// `Ok(None)`: the header does not concern us (empty, or another scheme such as
/// `Basic`, `bearer` or a bare token): the request is simply unauthenticated.
/// `Err`: our scheme with zero or several tokens after it.
pub fn raw_token<'h>(
    header: &'h [u8],
    header_types: &[String],
) -> Result<Option<&'h [u8]>, BadAuthorizationHeader> {
    // Every client's header, `<scheme> <token>`: two scans the compiler vectorises instead
    // of a split byte by byte. Anything else (other spacing, control bytes) takes the split.
    if let Some(at) = memchr::memchr(b' ', header) {
        let (scheme, token) = (&header[..at], &header[at + 1..]);
        if above_space(scheme) && above_space(token) {
            let ours = header_types.iter().any(|t| t.as_bytes() == scheme);
            return Ok(ours.then_some(token));
        }
    }
    let mut parts = parts(header);
    let Some(scheme) = parts.next() else {
        return Ok(None);
    };
    if !header_types.iter().any(|t| t.as_bytes() == scheme) {
        return Ok(None);
    }
    match (parts.next(), parts.next()) {
        (Some(token), None) => Ok(Some(token)),
        _ => Err(BadAuthorizationHeader),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer() -> Vec<String> {
        vec!["Bearer".to_owned()]
    }

    #[test]
    fn spec_table() {
        let t = bearer();
        assert_eq!(raw_token(b"", &t), Ok(None));
        assert_eq!(raw_token(b"   ", &t), Ok(None));
        assert_eq!(raw_token(b"bearer abc", &t), Ok(None));
        assert_eq!(raw_token(b"JWT abc", &t), Ok(None));
        assert_eq!(raw_token(b"Basic dXNlcjpwdw==", &t), Ok(None));
        assert_eq!(raw_token(b"abc.def.ghi", &t), Ok(None));
        assert_eq!(raw_token(b"Bearer", &t), Err(BadAuthorizationHeader));
        assert_eq!(raw_token(b"Bearer ", &t), Err(BadAuthorizationHeader));
        assert_eq!(raw_token(b"Bearer a b", &t), Err(BadAuthorizationHeader));
        assert_eq!(raw_token(b"Bearer abc", &t), Ok(Some(&b"abc"[..])));
        assert_eq!(raw_token(b"Bearer  abc", &t), Ok(Some(&b"abc"[..])));
        assert_eq!(raw_token(b"Bearer\tabc ", &t), Ok(Some(&b"abc"[..])));
        assert_eq!(raw_token(b" Bearer abc", &t), Ok(Some(&b"abc"[..])));
    }

    #[test]
    fn the_fast_path_agrees_with_the_split() {
        let t = vec!["JWT".to_owned(), "Bearer".to_owned()];
        for header in [
            &b"Bearer abc"[..],
            b"Bearer  abc",
            b"Bearer abc ",
            b"Bearer ab\x00c",
            b"Bearer a\x0bc",
            b"Bearer \xffc",
            b"Token abc",
            b" Bearer abc",
            b"Bearer ",
            b"Bearer a b",
        ] {
            let split = {
                let mut p = parts(header);
                match p.next() {
                    Some(s) if t.iter().any(|x| x.as_bytes() == s) => match (p.next(), p.next()) {
                        (Some(token), None) => Ok(Some(token)),
                        _ => Err(BadAuthorizationHeader),
                    },
                    _ => Ok(None),
                }
            };
            assert_eq!(raw_token(header, &t), split, "{header:?}");
        }
    }

    #[test]
    fn several_schemes() {
        let t = vec!["JWT".to_owned(), "Bearer".to_owned()];
        assert_eq!(raw_token(b"JWT abc", &t), Ok(Some(&b"abc"[..])));
        assert_eq!(raw_token(b"Bearer abc", &t), Ok(Some(&b"abc"[..])));
        assert_eq!(raw_token(b"Token abc", &t), Ok(None));
    }

    #[test]
    fn non_ascii_bytes_do_not_panic() {
        assert_eq!(
            raw_token(b"Bearer \xff\xfe", &bearer()),
            Ok(Some(&b"\xff\xfe"[..]))
        );
        assert_eq!(raw_token(b"\xff Bearer", &bearer()), Ok(None));
    }
}
