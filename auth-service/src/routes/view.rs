//! A simplejwt token view as DRF serves it: POST and OPTIONS only, `Allow` and
//! `Vary` on every answer, metadata for OPTIONS, 405 for anything else.

use actix_web::dev::HttpServiceFactory;
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, ResponseError, Route, web};
use serde_json::{Map, Value};
use shared::request::required_strings;
use shared::views::{
    drf_headers, negotiate, options_metadata, post_data, reject_method, string_field,
};

use crate::error::AuthError;
use crate::state::AppState;

pub struct TokenView {
    pub path: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    /// Writable serializer fields: (name, label).
    pub fields: &'static [(&'static str, &'static str)],
    /// Read-only fields DRF lists in the metadata.
    pub read_only: &'static [(&'static str, &'static str)],
    /// String fields of the 200 body (the optional ones are marked `?`).
    pub returns: &'static [&'static str],
}

impl TokenView {
    pub fn resource(&'static self, post: Route) -> impl HttpServiceFactory + use<> {
        // named after the path: the metrics label, without allocating
        web::resource(self.path)
            .name(self.path)
            .wrap(drf_headers("POST, OPTIONS"))
            .route(post)
            .route(
                web::method(Method::OPTIONS)
                    .to(move |req: HttpRequest| async move { self.options(&req) }),
            )
            .default_service(web::to(reject_method))
    }

    fn options(&self, req: &HttpRequest) -> HttpResponse {
        if let Err(e) = negotiate(req) {
            return e.error_response();
        }
        let mut post = Map::new();
        for (name, label) in self.fields {
            post.insert((*name).into(), string_field(label, true, false));
        }
        for (name, label) in self.read_only {
            post.insert((*name).into(), string_field(label, false, true));
        }
        let mut actions = Map::new();
        actions.insert("POST".into(), Value::Object(post));
        options_metadata(self.name, self.description, Some(Value::Object(actions)))
    }
}

/// The one token field of the refresh-style views: negotiation, the body, and
/// DRF's field rules (a trimmed, non-blank string).
pub async fn token_field(
    req: &HttpRequest,
    body: web::Payload,
    state: &AppState,
    name: &str,
) -> Result<String, AuthError> {
    let data = post_data(req, body, state.settings.requests.max_body_bytes).await?;
    Ok(required_strings(&data, &[name])?.concat())
}
