//! Parsers of the `SIMPLE_JWT` values that are more than a duration, a flag or a string.

use super::{Audience, TokenClass};
use crate::settings::values::{self, Parsed};
use config::ValueKind;
use jsonwebtoken::Algorithm;
use std::str::FromStr;

/// Algorithms PyJWT (and so simplejwt) accepts but jsonwebtoken cannot do: they get their own
/// message, since "Unrecognized" would wrongly suggest a typo.
const PYJWT_ONLY_ALGORITHMS: &[&str] = &["ES512", "ES521", "ES256K"];

const TOKEN_CLASS_MODULE: &str = "rest_framework_simplejwt.tokens.";

/// simplejwt's class names, as written in `AUTH_TOKEN_CLASSES`.
const TOKEN_CLASSES: [(&str, TokenClass); 4] = [
    ("AccessToken", TokenClass::Access),
    ("RefreshToken", TokenClass::Refresh),
    ("SlidingToken", TokenClass::Sliding),
    ("UntypedToken", TokenClass::Untyped),
];

pub(super) fn algorithm(raw: &ValueKind) -> Parsed<Algorithm> {
    let name = values::string(raw)?;
    // simplejwt compares names exactly, so "hs256" is unrecognized there too.
    if let Ok(algorithm) = Algorithm::from_str(&name) {
        return Ok(algorithm);
    }
    if PYJWT_ONLY_ALGORITHMS.contains(&name.as_str()) {
        return Err(format!(
            "algorithm '{name}' is not supported by tokenpair (use one of HS256, HS384, HS512, \
             RS256, RS384, RS512, ES256, ES384, PS256, PS384, PS512, EdDSA)"
        ));
    }
    // simplejwt's own message; `escape_debug` keeps it on one line.
    Err(format!(
        "Unrecognized algorithm type '{}'",
        name.escape_debug()
    ))
}

/// One audience, or several. A plain string is always one audience, commas included, as the
/// reference app passes it through untouched.
pub(super) fn audience(raw: &ValueKind) -> Parsed<Audience> {
    let list = match raw {
        ValueKind::Array(_) => values::string_list(raw)?,
        ValueKind::String(s) if s.trim_start().starts_with('[') => values::json_list(s.trim())?,
        _ => return values::string(raw).map(Audience::One),
    };
    if list.is_empty() {
        return Err("empty audience list (use none to unset AUDIENCE)".to_owned());
    }
    Ok(Audience::Many(list))
}

/// An absolute `http://` URL with a host. `https://` is refused rather than failing on every
/// fetch: this build carries no TLS client (a JWKS is usually fetched inside the cluster; put a
/// TLS-terminating proxy in front of a remote one).
pub(super) fn jwk_url(raw: &ValueKind) -> Parsed<String> {
    let written = values::string(raw)?;
    let trimmed = written.trim();
    let url = reqwest::Url::parse(trimmed).map_err(|e| format!("not a URL ({e})"))?;
    match url.scheme() {
        "http" if url.has_host() => Ok(trimmed.to_owned()),
        "http" => Err("the URL has no host".to_owned()),
        "https" => Err(
            "https:// is not supported (this build has no TLS client): serve the JWKS over \
             http:// inside the cluster, or through a local TLS-terminating proxy"
                .to_owned(),
        ),
        other => Err(format!("unsupported scheme {other:?} (use http://)")),
    }
}

pub(super) fn header_types(raw: &ValueKind) -> Parsed<Vec<String>> {
    let types = values::string_list(raw)?;
    if types.is_empty() {
        return Err("must list at least one header type, e.g. Bearer".to_owned());
    }
    // The header is split on whitespace, so such a type could never match.
    if let Some(bad) = types
        .iter()
        .find(|t| t.is_empty() || t.chars().any(char::is_whitespace))
    {
        return Err(format!(
            "invalid header type {bad:?} (one word, e.g. Bearer)"
        ));
    }
    Ok(types)
}

/// Django's META key (`HTTP_X_AUTH`) or a plain header name (`X-Auth`), stored lowercase as
/// HTTP/2 and actix header maps use it.
pub(super) fn header_name(raw: &ValueKind) -> Parsed<String> {
    let written = values::string(raw)?;
    let name = match written.strip_prefix("HTTP_") {
        Some(rest) => rest.replace('_', "-"),
        None => written.clone(),
    };
    if name.is_empty() || !name.bytes().all(is_token_char) {
        return Err(format!(
            "invalid header name {written:?} (use e.g. HTTP_AUTHORIZATION or Authorization)"
        ));
    }
    Ok(name.to_ascii_lowercase())
}

/// RFC 9110 `tchar`: what a header field name may consist of.
fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

pub(super) fn token_classes(raw: &ValueKind) -> Parsed<Vec<TokenClass>> {
    let classes = values::string_list(raw)?
        .iter()
        .map(|written| {
            let short = written.strip_prefix(TOKEN_CLASS_MODULE).unwrap_or(written);
            TOKEN_CLASSES
                .iter()
                .find(|(name, _)| *name == short)
                .map(|(_, class)| *class)
                .ok_or_else(|| {
                    format!(
                        "unknown token class {written:?} (use AccessToken, RefreshToken, \
                         SlidingToken or UntypedToken, optionally as \
                         {TOKEN_CLASS_MODULE}<Name>)"
                    )
                })
        })
        .collect::<Parsed<Vec<_>>>()?;
    if classes.is_empty() {
        return Err("must list at least one token class, e.g. AccessToken".to_owned());
    }
    Ok(classes)
}
