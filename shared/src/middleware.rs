//! What both services add around every answer, in one layer (each layer costs
//! a boxed call on the hottest path): the limits on what a client sends (header
//! field size, time to send the body), Django's security headers, DRF's
//! `indent` rendering, and the request metrics.

use actix_web::body::{BodySize, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::{ConnectionType, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use bytes::Bytes;
use futures_util::Stream;
use serde_json::Value;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::errors::{ApiError, render_json};
use crate::metrics::Metrics;
use crate::negotiation::{format_param, json_indent, latin1};
use crate::settings::ServerSettings;
use crate::views::render_indented;

/// The headers Django's default middleware (SecurityMiddleware,
/// XFrameOptionsMiddleware) puts on every answer; clients and scanners expect them.
/// Names and values built at compile time: nothing is parsed per answer.
const SECURITY_HEADERS: [(HeaderName, HeaderValue); 4] = [
    (header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    (
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    ),
    (
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    ),
    (
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    ),
];

/// How long a connection that is being closed (after a 408, a 431, an unread
/// body) waits for the client to go: actix's default, set on both services so a
/// client that never reads the answer cannot keep the socket.
pub const CLIENT_DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// What a client may send, from `TOKENPAIR__MAX_HEADER_BYTES` and
/// `TOKENPAIR__CLIENT_BODY_TIMEOUT`: `App::app_data(ClientLimits::new(..))`.
/// An app without it gets the defaults.
#[derive(Debug, Clone, Copy)]
pub struct ClientLimits {
    /// Largest header field: name, `: ` and value, as gunicorn counts it.
    pub max_header_bytes: usize,
    /// Time the whole body has, from the moment the head is in.
    pub body_timeout: Duration,
}

impl ClientLimits {
    pub fn new(settings: &ServerSettings) -> Self {
        Self {
            max_header_bytes: settings.max_header_bytes,
            body_timeout: settings.client_body_timeout,
        }
    }
}

impl Default for ClientLimits {
    fn default() -> Self {
        Self::new(&ServerSettings::default())
    }
}

/// `App::wrap(from_fn(finish))`.
pub async fn finish<B: MessageBody + 'static>(
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B, BoxBody>>, actix_web::Error> {
    let started = Instant::now();
    let limits = req.app_data::<ClientLimits>().copied().unwrap_or_default();
    // Before anything reads a header (negotiation, the `indent` check below,
    // authentication, the body parsers): a field over the limit is never parsed.
    if has_oversized_field(&req, limits.max_header_bytes) {
        let refused = ApiError::header_field_too_large();
        let mut response = HttpResponse::with_body(
            refused.status(),
            render_json(&Value::Object(refused.body().clone())),
        );
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        // Whatever follows the head (a body?) is not worth reading.
        response
            .head_mut()
            .set_connection_type(ConnectionType::Close);
        let mut response = req.into_response(response);
        decorate(&mut response, started);
        return Ok(response.map_body(|_, body| EitherBody::right(BoxBody::new(body))));
    }
    let body_state = deadline_body(&mut req, limits.body_timeout);
    let indent = requested_indent(&req);
    let mut response = next.call(req).await?;
    // The handler answered without the whole body (it never read it, or it
    // gave up on a slow or oversized one): keeping the connection would mean
    // waiting for the rest, at the client's pace. actix closes after an answer
    // when the request body is unread and still referenced, but drains a
    // dropped chunked body for as long as the client cares to send it: the
    // answer's body keeps the request body referenced until it is sent.
    let unread = body_state
        .filter(|(finished, _)| !finished.load(Ordering::Relaxed))
        .map(|(_, body)| body);
    if unread.is_some() {
        response
            .response_mut()
            .head_mut()
            .set_connection_type(ConnectionType::Close);
    }
    decorate(&mut response, started);
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes() == b"application/json");
    let response = match indent.filter(|_| is_json) {
        None if unread.is_none() => return Ok(response.map_into_left_body()),
        None => response.map_body(|_, body| BoxBody::new(body)),
        Some(indent) => {
            let (request, response) = response.into_parts();
            let (head, body) = response.into_parts();
            let bytes = actix_web::body::to_bytes(body).await.unwrap_or_default();
            let pretty = match serde_json::from_slice::<Value>(&bytes) {
                Ok(value) => render_indented(&value, indent),
                Err(_) => String::from_utf8_lossy(&bytes).into_owned(),
            };
            ServiceResponse::new(request, head.set_body(BoxBody::new(pretty)))
        }
    };
    Ok(response.map_body(|_, body| {
        let body = match unread {
            Some(request_body) => BoxBody::new(HoldingBody {
                body,
                _request_body: request_body,
            }),
            None => body,
        };
        EitherBody::right(body)
    }))
}

/// An answer's body that keeps the unread request body referenced until the
/// answer is sent, so that actix closes the connection instead of draining.
struct HoldingBody {
    body: BoxBody,
    _request_body: Rc<RefCell<Payload>>,
}

impl MessageBody for HoldingBody {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        Pin::new(&mut self.body).poll_next(cx)
    }
}

/// The security headers and the metrics, on every answer (the 431 included).
fn decorate<B>(response: &mut ServiceResponse<B>, started: Instant) {
    // Like Django, the APPEND_SLASH redirect (answered by CommonMiddleware, which
    // sits above XFrameOptionsMiddleware) carries no X-Frame-Options.
    let redirect = response.status() == StatusCode::MOVED_PERMANENTLY;
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        let skip = headers.contains_key(&name) || (redirect && name == header::X_FRAME_OPTIONS);
        if !skip {
            headers.insert(name, value);
        }
    }

    if let Some(metrics) = response.request().app_data::<web::Data<Metrics>>() {
        // Resources are named after their path pattern (a closed set, without
        // allocating); the default service (404) and requests refused before
        // routing have none.
        let route = response.request().match_name();
        metrics.observe(
            response.request().method(),
            route,
            response.status(),
            started.elapsed().as_secs_f64(),
        );
    }
}

/// gunicorn's `limit_request_field_size`: some header field (name, `: `,
/// value) longer than `limit`.
fn has_oversized_field(req: &ServiceRequest, limit: usize) -> bool {
    req.headers()
        .iter()
        .any(|(name, value)| name.as_str().len() + 2 + value.len() > limit)
}

/// A request that announces a body gets it through [`DeadlineBody`]; the flag
/// tells whether it was read to the end. Requests without one (every GET of
/// the hot path) are left alone.
fn deadline_body(
    req: &mut ServiceRequest,
    timeout: Duration,
) -> Option<(Arc<AtomicBool>, Rc<RefCell<Payload>>)> {
    let headers = req.headers();
    let announced = headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    if !announced {
        return None;
    }
    let finished = Arc::new(AtomicBool::new(false));
    let slot = req.parts_mut().1;
    let inner = Rc::new(RefCell::new(std::mem::replace(slot, Payload::None)));
    let stream: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(DeadlineBody {
        inner: inner.clone(),
        deadline: Box::pin(tokio::time::sleep(timeout)),
        finished: finished.clone(),
        expired: false,
    });
    *slot = Payload::from(stream);
    Some((finished, inner))
}

/// The request body, cut with a `TimedOut` error when the whole of it has not
/// arrived by the deadline (`TOKENPAIR__CLIENT_BODY_TIMEOUT` after the head):
/// one byte a second, or a stall, cannot hold a worker's connection.
/// `drf_parsers`' body reader turns the error into 408.
struct DeadlineBody {
    inner: Rc<RefCell<Payload>>,
    deadline: Pin<Box<tokio::time::Sleep>>,
    finished: Arc<AtomicBool>,
    expired: bool,
}

impl Stream for DeadlineBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.expired {
            return Poll::Ready(None);
        }
        let polled = Pin::new(&mut *self.inner.borrow_mut()).poll_next(cx);
        match polled {
            Poll::Ready(None) => {
                self.finished.store(true, Ordering::Relaxed);
                return Poll::Ready(None);
            }
            Poll::Ready(Some(item)) => return Poll::Ready(Some(item)),
            Poll::Pending => {}
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => {
                self.expired = true;
                Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "request body not received in time",
                )))))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// DRF's `JSONRenderer` honours `Accept: application/json; indent=N`; checked
/// only when the header mentions it, so the others pay nothing.
fn requested_indent(req: &ServiceRequest) -> Option<usize> {
    let accept = req.headers().get(header::ACCEPT)?;
    if !accept.as_bytes().windows(6).any(|w| w == b"indent") {
        return None;
    }
    json_indent(
        Some(&latin1(accept.as_bytes())),
        format_param(req.request()).as_deref(),
    )
}
