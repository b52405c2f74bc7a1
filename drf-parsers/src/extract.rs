//! What a DRF POST view does before its serializer runs, as an actix
//! extractor: content negotiation, then the body (bounded, and in time),
//! then `request.data` parsed by its Content-Type. The checks run in DRF's
//! order, so a request wrong in several ways gets DRF's answer: 406 before
//! 413 before 415 before 400.

use actix_web::dev::Payload;
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use bytes::{Bytes, BytesMut};
use futures_util::future::LocalBoxFuture;
use futures_util::{Stream, StreamExt};
use shared::errors::ApiError;
use shared::negotiation::{self, latin1};

use crate::body;
use crate::data::RequestData;

/// The largest body a view reads (`TOKENPAIR__MAX_BODY_BYTES`):
/// `App::app_data(BodyLimit(..))`. Plain app data, as it is `Copy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimit(pub usize);

/// DRF's `request.data` of a POST view, read after content negotiation.
/// Needs a [`BodyLimit`] in the app data.
#[derive(Debug, Clone, PartialEq)]
pub struct DrfData(pub RequestData);

impl DrfData {
    /// The extractor's work, for a view that must do something between
    /// negotiation and the body (the obtain views check their throttles
    /// there, as DRF's `initial()` does before the view reads `request.data`).
    /// Negotiates again, which costs nothing for the usual `Accept`.
    pub async fn read(
        req: &HttpRequest,
        payload: impl Stream<Item = Result<Bytes, PayloadError>> + Unpin,
    ) -> Result<RequestData, ApiError> {
        negotiation::for_request(req)?;
        let Some(&BodyLimit(limit)) = req.app_data::<BodyLimit>() else {
            tracing::error!("DrfData used without a BodyLimit in the app data");
            return Err(ApiError::internal());
        };
        let body = read_limited(req, payload, limit).await?;
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| latin1(v.as_bytes()));
        body::parse(content_type.as_deref(), &body)
    }
}

impl FromRequest for DrfData {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        // The future outlives the borrows: it owns a handle on the request
        // (a reference count) and the body stream.
        let req = req.clone();
        let payload = payload.take();
        Box::pin(async move { Self::read(&req, payload).await.map(Self) })
    }
}

/// The body, refused with 413 as soon as it is known to exceed `limit`.
async fn read_limited(
    req: &HttpRequest,
    mut payload: impl Stream<Item = Result<Bytes, PayloadError>> + Unpin,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(ApiError::payload_too_large(limit));
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| match e {
            // `shared::middleware::DeadlineBody`: the body took longer than allowed.
            PayloadError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                ApiError::body_timeout()
            }
            _ => ApiError::parse_error("Malformed request body."),
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::payload_too_large(limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
