//! A simplejwt token view as DRF serves it: POST and OPTIONS only, `Allow` and
//! `Vary` on every answer, metadata for OPTIONS, 405 for anything else, the
//! browsable API's page for a browser (`browsable`); and
//! the one token field the refresh-style views read, as an extractor.

use actix_web::dev::{HttpServiceFactory, Payload};
use actix_web::http::Method;
use actix_web::{FromRequest, HttpRequest, HttpResponse, ResponseError, Route, web};
use drf_parsers::{DrfData, FieldValue, required_strings};
use serde_json::{Map, Value};
use shared::ApiError;
use shared::views::{drf_headers, negotiate, options_metadata, reject_method, string_field};
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use super::browsable::Browsable;
use super::table::TokenView;
use crate::state::AppState;

impl TokenView {
    pub fn resource(&'static self, post: Route) -> impl HttpServiceFactory + use<> {
        // named after the path: the metrics label, without allocating
        web::resource(self.path)
            .name(self.path)
            .wrap(drf_headers("POST, OPTIONS"))
            // outside: the page shows the view's `Allow` and `Vary`
            .wrap(Browsable(self))
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

/// The name of the one field a refresh-style view reads.
pub trait FieldName {
    const NAME: &'static str;
    /// Whether cookie mode reads the field from the refresh cookie when the body has none.
    const IN_COOKIE: bool = false;
}

/// The `refresh` field (refresh and blacklist views).
pub struct Refresh;

impl FieldName for Refresh {
    const NAME: &'static str = "refresh";
    const IN_COOKIE: bool = true;
}

/// The `token` field (verify and sliding refresh views).
pub struct Token;

impl FieldName for Token {
    const NAME: &'static str = "token";
}

/// The one token field of the refresh-style views, as an extractor: the
/// request data ([`DrfData`]: negotiation, then the body), then DRF's field
/// rules (a trimmed, non-blank string). Its errors are the view's answer.
/// In cookie mode a body without the field takes the refresh cookie instead,
/// once the request passes the CSRF check (`crate::cookies`).
pub struct TokenField<F> {
    pub value: String,
    /// The value is the refresh cookie's.
    pub from_cookie: bool,
    name: PhantomData<F>,
}

impl<F: FieldName> FromRequest for TokenField<F> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let data = DrfData::from_request(req, payload);
        let cookie = F::IN_COOKIE
            .then(|| req.app_data::<web::Data<AppState>>())
            .flatten()
            .and_then(|state| crate::cookies::refresh_token(req, &state.settings.cookies));
        Box::pin(async move {
            let DrfData(data) = data.await?;
            // An empty form field counts as none: a browser form (the browsable page's)
            // always sends every input, filled or not.
            let given = match data.get(F::NAME) {
                None => false,
                Some(FieldValue::Text(text)) => !text.is_empty(),
                Some(_) => true,
            };
            if let Some(cookie) = cookie
                && !given
            {
                cookie.csrf?;
                return Ok(Self {
                    value: cookie.value,
                    from_cookie: true,
                    name: PhantomData,
                });
            }
            Ok(Self {
                value: required_strings(&data, &[F::NAME])?.concat(),
                from_cookie: false,
                name: PhantomData,
            })
        })
    }
}
