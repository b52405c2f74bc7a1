//! Requests sent alike to both sides: method, path, headers and body, built anew for each.

use super::*;

#[derive(Clone, Debug)]
pub(crate) enum Body {
    Empty,
    Form(Vec<(String, String)>),
    Multipart(Vec<(String, String)>),
    Raw(Option<String>, Vec<u8>),
}

#[derive(Clone, Debug)]
pub(crate) struct Req {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Body,
}

pub(crate) fn owned(fields: &[(&str, &str)]) -> Vec<(String, String)> {
    fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

impl Req {
    pub(crate) fn new(method: Method, path: &str) -> Self {
        Self {
            method,
            path: path.to_owned(),
            headers: Vec::new(),
            body: Body::Empty,
        }
    }

    /// A urlencoded POST.
    pub(crate) fn form(path: &str, fields: &[(&str, &str)]) -> Self {
        Self {
            body: Body::Form(owned(fields)),
            ..Self::new(Method::POST, path)
        }
    }

    pub(crate) fn multipart(path: &str, fields: &[(&str, &str)]) -> Self {
        Self {
            body: Body::Multipart(owned(fields)),
            ..Self::new(Method::POST, path)
        }
    }

    /// A POST with this body text and Content-Type (none: no header).
    pub(crate) fn raw(path: &str, content_type: Option<&str>, body: impl Into<Vec<u8>>) -> Self {
        Self {
            body: Body::Raw(content_type.map(str::to_owned), body.into()),
            ..Self::new(Method::POST, path)
        }
    }

    pub(crate) fn json(path: &str, body: &Value) -> Self {
        Self::raw(path, Some("application/json"), body.to_string())
    }

    /// `GET /protected/` with this `Authorization` value.
    pub(crate) fn protected(authorization: Option<&str>) -> Self {
        let request = Self::new(Method::GET, PROTECTED);
        match authorization {
            Some(value) => request.header("Authorization", value),
            None => request,
        }
    }

    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub(crate) fn build(&self, client: &Client, base: &str) -> RequestBuilder {
        let mut request = client.request(self.method.clone(), format!("{base}{}", self.path));
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        match &self.body {
            Body::Empty => request,
            Body::Form(fields) => request.form(fields),
            Body::Multipart(fields) => {
                let mut form = reqwest::multipart::Form::new();
                for (name, value) in fields {
                    form = form.text(name.clone(), value.clone());
                }
                request.multipart(form)
            }
            Body::Raw(content_type, bytes) => {
                let request = request.body(bytes.clone());
                match content_type {
                    Some(ct) => request.header(header::CONTENT_TYPE, ct),
                    None => request,
                }
            }
        }
    }

    pub(crate) fn describe(&self) -> String {
        let mut text = format!(
            "{} {} {:?} {:?}",
            self.method, self.path, self.headers, self.body
        );
        if text.len() > 400 {
            let mut end = 400;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
            text.push('…');
        }
        text
    }
}
