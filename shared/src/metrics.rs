//! Prometheus metrics at `GET /metrics`: requests and latency per route and
//! status (recorded by `middleware::finish`), for every service; services add
//! their own counters to the registry.
//! One registry per app (not a global) so tests can run several apps at once.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    duration: HistogramVec,
}

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

    /// One answer: `route` is the matched resource's name (its path pattern).
    pub fn observe(&self, method: &str, route: &str, status: StatusCode, seconds: f64) {
        self.requests
            .with_label_values(&[method, route, status.as_str()])
            .inc();
        self.duration
            .with_label_values(&[method, route])
            .observe(seconds);
    }
}

/// `GET /metrics`.
pub fn endpoint(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/metrics")
            .name("/metrics")
            .route(web::get().to(|metrics: web::Data<Metrics>| async move {
                HttpResponse::Ok()
                    .content_type("text/plain; version=0.0.4")
                    .body(metrics.render())
            })),
    );
}
