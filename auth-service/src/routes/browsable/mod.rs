//! DRF's browsable API on the token views: when content negotiation picks the
//! `text/html` renderer (a browser's `Accept`, or `?format=api`), the view's
//! answer, whatever it is (405 for `GET`, the token pair, a 400, a 429, a 503),
//! is shown in an HTML page with a form that posts to the view.
//!
//! A middleware on each token view's resource rather than a branch in every
//! handler: the handlers stay JSON-only, and the page shows exactly what a JSON
//! client gets (status, headers, body). API clients go straight through: their
//! `Accept` is checked on the raw header and the inner future is returned as is
//! (no allocation, no boxing).

mod page;

use actix_web::Error;
use actix_web::body::BoxBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::Method;
use futures_util::future::{Either, LocalBoxFuture};
use shared::negotiation::{Renderer, renderer_for};
use std::future::{Ready, ready};

use super::table::TokenView;

/// `web::resource(..).wrap(Browsable(view))`, outside `drf_headers` so that the
/// page lists the `Allow` and `Vary` headers the view answers with.
pub struct Browsable(pub &'static TokenView);

impl<S> Transform<S, ServiceRequest> for Browsable
where
    S: Service<ServiceRequest, Response = ServiceResponse<BoxBody>, Error = Error> + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Transform = BrowsableService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(BrowsableService {
            service,
            view: self.0,
        }))
    }
}

pub struct BrowsableService<S> {
    service: S,
    view: &'static TokenView,
}

impl<S> Service<ServiceRequest> for BrowsableService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<BoxBody>, Error = Error> + 'static,
{
    type Response = ServiceResponse<BoxBody>;
    type Error = Error;
    type Future = Either<S::Future, LocalBoxFuture<'static, Result<Self::Response, Error>>>;

    forward_ready!(service);

    fn call(&self, req: ServiceRequest) -> Self::Future {
        // OPTIONS stays the JSON metadata document; a failed negotiation is the
        // view's own (JSON) 406 or 404.
        let page = req.method() != Method::OPTIONS
            && matches!(renderer_for(req.request()), Ok(Renderer::Browsable));
        if !page {
            return Either::Left(self.service.call(req));
        }
        let view = self.view;
        let answer = self.service.call(req);
        Either::Right(Box::pin(async move {
            Ok(page::render(view, answer.await?).await)
        }))
    }
}
