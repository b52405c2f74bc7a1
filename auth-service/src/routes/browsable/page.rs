//! The HTML page of a token view: its name and description, the request, the
//! answer as DRF's browsable API shows it (status line, headers, the JSON
//! indented by 4), and a form with the view's fields that posts to it.
//!
//! Written out rather than templated: one small page, and every value goes
//! through [`escape`] (the JSON may echo what the client sent). No script, no
//! external asset; the inline style is allowed by its hash in the CSP.

use actix_web::body::{BoxBody, to_bytes_limited};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::web::Bytes;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use sha2::{Digest, Sha256};
use shared::negotiation::latin1;
use shared::views::render_indented;
use std::fmt::Write;
use std::sync::LazyLock;

use crate::routes::table::TokenView;

/// The page's only style sheet, inline.
const STYLE: &str = include_str!("page.css");

/// Larger answers than any token view gives are not shown (the view's own
/// bodies are a few kilobytes; this only bounds the copy).
const MAX_ANSWER: usize = 256 * 1024;

/// Nothing but the inline style, and forms posting back to this origin.
static CSP: LazyLock<HeaderValue> = LazyLock::new(|| {
    let hash = STANDARD.encode(Sha256::digest(STYLE.as_bytes()));
    let policy = format!(
        "default-src 'none'; style-src 'sha256-{hash}'; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'"
    );
    // Base64 is a valid header value; the fallback (no style) is never used.
    HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static(
        "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ))
});

const HTML: HeaderValue = HeaderValue::from_static("text/html; charset=utf-8");

/// The view's answer turned into the page: same status and headers (cookies,
/// `Allow`, `Vary`, `WWW-Authenticate`, `Retry-After`…), an HTML body.
pub async fn render(
    view: &TokenView,
    answer: ServiceResponse<BoxBody>,
) -> ServiceResponse<BoxBody> {
    let (request, response) = answer.into_parts();
    let (mut head, body) = response.into_parts();
    let body = match to_bytes_limited(body, MAX_ANSWER).await {
        Ok(Ok(bytes)) => bytes,
        _ => Bytes::from_static(b"(answer not shown)"),
    };
    let shown = Answer {
        status: head.status(),
        headers: shown_headers(head.headers()),
        body: &body,
    };
    let path = match request.query_string() {
        "" => request.path().to_owned(),
        query => format!("{}?{query}", request.path()),
    };
    let html = page(view, request.method(), &path, &shown);
    let headers = head.headers_mut();
    headers.remove(header::CONTENT_LENGTH);
    headers.insert(header::CONTENT_TYPE, HTML);
    headers.insert(header::CONTENT_SECURITY_POLICY, CSP.clone());
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // As Django's HEAD: the type and status of the page, no body.
    let html = if request.method() == Method::HEAD {
        String::new()
    } else {
        html
    };
    ServiceResponse::new(request, head.set_body(BoxBody::new(html)))
}

/// What the page shows of the view's answer.
struct Answer<'a> {
    status: StatusCode,
    headers: Vec<(String, String)>,
    body: &'a [u8],
}

/// The headers as DRF lists them (`sorted(response.items())`, Django's
/// spelling): cookies are not among them in Django (nor shown here: an
/// `HttpOnly` cookie stays out of the page), and the length is the page's.
fn shown_headers(headers: &header::HeaderMap) -> Vec<(String, String)> {
    let mut shown: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| *name != header::SET_COOKIE && *name != header::CONTENT_LENGTH)
        .map(|(name, value)| (display_name(name.as_str()), latin1(value.as_bytes())))
        .collect();
    shown.sort();
    shown
}

/// `www-authenticate` → `WWW-Authenticate`, `retry-after` → `Retry-After`.
fn display_name(name: &str) -> String {
    if name == "www-authenticate" {
        return "WWW-Authenticate".into();
    }
    let mut out = String::with_capacity(name.len());
    let mut start = true;
    for c in name.chars() {
        out.push(if start { c.to_ascii_uppercase() } else { c });
        start = c == '-';
    }
    out
}

fn page(view: &TokenView, method: &Method, path: &str, answer: &Answer) -> String {
    let mut html = String::with_capacity(4096 + 2 * answer.body.len());
    html.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<meta name=\"robots\" content=\"NONE,NOARCHIVE\">\n<title>");
    escape(view.name, &mut html);
    html.push_str(" – tokenpair</title>\n<style>");
    html.push_str(STYLE);
    html.push_str("</style>\n</head>\n<body>\n<main>\n<h1>");
    escape(view.name, &mut html);
    html.push_str("</h1>\n<p class=\"description\">");
    for (i, line) in view.description.split('\n').enumerate() {
        if i > 0 {
            html.push_str("<br>");
        }
        escape(line, &mut html);
    }
    html.push_str("</p>\n<pre id=\"request\">");
    escape(method.as_str(), &mut html);
    html.push(' ');
    escape(path, &mut html);
    html.push_str("</pre>\n<pre id=\"response\">");
    escape(&response_text(answer), &mut html);
    html.push_str("</pre>\n");
    form(view, &mut html);
    html.push_str("</main>\n</body>\n</html>\n");
    html
}

/// DRF's response block: `HTTP 405 Method Not Allowed`, one line per
/// header, a blank line, then the JSON indented by 4 (the text as is when it
/// is not JSON).
fn response_text(answer: &Answer) -> String {
    let mut text = format!(
        "HTTP {} {}\n",
        answer.status.as_u16(),
        answer.status.canonical_reason().unwrap_or_default()
    );
    for (name, value) in &answer.headers {
        // Writing to a String cannot fail.
        let _ = writeln!(text, "{name}: {value}");
    }
    text.push('\n');
    match serde_json::from_slice::<Value>(answer.body) {
        Ok(value) => text.push_str(&render_indented(&value, 4)),
        Err(_) => text.push_str(&String::from_utf8_lossy(answer.body)),
    }
    text
}

/// The view's writable fields, posted as a form (`application/x-www-form-urlencoded`,
/// which the view parses like DRF). Values are never filled in again.
fn form(view: &TokenView, html: &mut String) {
    html.push_str("<form id=\"post-form\" method=\"post\" action=\"");
    escape(view.path, html);
    html.push_str("\">\n");
    for (name, label) in view.fields {
        let (kind, autocomplete) = match *name {
            "password" => ("password", "current-password"),
            "username" => ("text", "username"),
            _ => ("text", "off"),
        };
        let _ = writeln!(
            html,
            "<p><label for=\"field-{name}\">{label}</label>\n\
             <input id=\"field-{name}\" name=\"{name}\" type=\"{kind}\" autocomplete=\"{autocomplete}\"></p>",
            name = Escaped(name),
            label = Escaped(label),
        );
    }
    html.push_str("<p><button type=\"submit\">POST</button></p>\n</form>\n");
}

/// Django's `escape`: `&`, `<`, `>`, `"` and `'` as entities.
fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
}

/// A value escaped by [`escape`] when formatted.
struct Escaped<'a>(&'a str);

impl std::fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = String::with_capacity(self.0.len());
        escape(self.0, &mut out);
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_django_escapes() {
        let mut out = String::new();
        escape("<script>alert('x&y')</script>\"", &mut out);
        assert_eq!(
            out,
            "&lt;script&gt;alert(&#x27;x&amp;y&#x27;)&lt;/script&gt;&quot;"
        );
    }

    #[test]
    fn header_names_as_django_spells_them() {
        assert_eq!(display_name("www-authenticate"), "WWW-Authenticate");
        assert_eq!(display_name("retry-after"), "Retry-After");
        assert_eq!(display_name("allow"), "Allow");
        assert_eq!(display_name("content-type"), "Content-Type");
    }
}
