//! Prometheus metrics at `GET /metrics`: requests and latency per route and
//! status (recorded by `middleware::finish`), for every service; services add
//! their own counters to the registry.
//! One registry per app (not a global) so tests can run several apps at once.

use actix_web::http::{Method, StatusCode};
use actix_web::{HttpResponse, web};
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, Opts, Registry,
    TextEncoder,
};
use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
    /// Tells this registry's handles from another's in [`HANDLES`] (tests run several apps).
    id: u64,
}

/// The series of one method, route and status, resolved once per worker thread.
struct Handles {
    metrics: u64,
    method: &'static str,
    route: Box<str>,
    status: StatusCode,
    requests: IntCounter,
    duration: Histogram,
}

/// How many label sets a thread keeps resolved: a service has a handful of routes and
/// statuses; anything rarer is looked up by its labels, as before.
const RESOLVED_PER_THREAD: usize = 32;

thread_local! {
    /// Looking a series up by its labels hashes them and takes the vector's shared lock (a
    /// cache line every worker writes): once per request, per metric. Resolved here once
    /// per thread, a request costs a short scan and the atomic increments themselves.
    static HANDLES: RefCell<Vec<Handles>> = const { RefCell::new(Vec::new()) };
}

static NEXT_ID: AtomicU64 = AtomicU64::new(0);

impl Metrics {
    /// `service` becomes a constant label on every series.
    pub fn new(service: &str) -> Result<Self, prometheus::Error> {
        let labels = [("service".to_owned(), service.to_owned())]
            .into_iter()
            .collect();
        let registry = Registry::new_custom(None, Some(labels))?;
        let requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests answered"),
            &["method", "route", "status"],
        )?;
        let duration = HistogramVec::new(
            HistogramOpts::new(
                "http_request_duration_seconds",
                "Time to answer HTTP requests",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ]),
            &["method", "route"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(duration.clone()))?;
        Ok(Self {
            registry,
            requests,
            duration,
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
        })
    }

    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    /// One answer: `route` is the matched resource's name (its path pattern),
    /// `None` for anything unrouted. Every label comes from a closed set, so
    /// what clients send (extension methods, random paths) cannot add series:
    /// the method is a standard one or `OTHER`, the route a resource name or
    /// `unmatched`, and the status one of the at most 900 codes actix can send.
    pub fn observe(&self, method: &Method, route: Option<&str>, status: StatusCode, seconds: f64) {
        let method = method_label(method);
        let route = route.unwrap_or(UNMATCHED);
        let resolved = HANDLES.with(|cell| {
            let Ok(mut handles) = cell.try_borrow_mut() else {
                return None;
            };
            let at = match handles.iter().position(|h| {
                h.metrics == self.id
                    && h.status == status
                    && h.method == method
                    && *h.route == *route
            }) {
                Some(at) => at,
                None if handles.len() < RESOLVED_PER_THREAD => {
                    let (requests, duration) = self.series(method, route, status);
                    handles.push(Handles {
                        metrics: self.id,
                        method,
                        route: route.into(),
                        status,
                        requests,
                        duration,
                    });
                    handles.len() - 1
                }
                None => return None,
            };
            let h = &handles[at];
            h.requests.inc();
            h.duration.observe(seconds);
            Some(())
        });
        if resolved.is_none() {
            let (requests, duration) = self.series(method, route, status);
            requests.inc();
            duration.observe(seconds);
        }
    }

    /// The two series of a label set, looked up by their labels.
    fn series(&self, method: &str, route: &str, status: StatusCode) -> (IntCounter, Histogram) {
        (
            self.requests
                .with_label_values(&[method, route, status.as_str()]),
            self.duration.with_label_values(&[method, route]),
        )
    }
}

/// The route label of requests no resource matched.
pub const UNMATCHED: &str = "unmatched";

/// RFC 9110's methods and PATCH; every extension method is `OTHER`.
pub fn method_label(method: &Method) -> &'static str {
    match method.as_str() {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "CONNECT" => "CONNECT",
        "OPTIONS" => "OPTIONS",
        "TRACE" => "TRACE",
        "PATCH" => "PATCH",
        _ => "OTHER",
    }
}

/// Where [`endpoint`] serves the metrics.
pub const PATH: &str = "/metrics";

/// `GET /metrics`.
pub fn endpoint(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource(PATH).name(PATH).route(web::get().to(
        |metrics: web::Data<Metrics>| async move {
            HttpResponse::Ok()
                .content_type("text/plain; version=0.0.4")
                .body(metrics.render())
        },
    )));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_come_from_closed_sets() {
        let metrics = Metrics::new("test").expect("registry");
        let observe = |method: &str, route: Option<&str>| {
            let method = Method::from_bytes(method.as_bytes()).expect("method");
            metrics.observe(&method, route, StatusCode::OK, 0.001);
        };
        observe("GET", Some("/protected/"));
        observe("XQ1", None);
        let series = metrics.render().lines().count();
        for i in 0..50 {
            observe(&format!("XQ{i}X"), None);
            observe("get", None);
        }
        assert_eq!(metrics.render().lines().count(), series, "no new series");
        let text = metrics.render();
        assert!(
            text.contains(r#"method="OTHER",route="unmatched",status="200",service="test"} 101"#),
            "{text}"
        );
        assert!(!text.contains("XQ"), "{text}");
    }
}
