//! Prometheus metrics at `GET /metrics`: requests and latency per route and
//! status (recorded by `middleware::finish`), for every service; services add
//! their own counters to the registry.
//! One registry per app (not a global) so tests can run several apps at once.

use actix_web::http::{Method, StatusCode};
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

    /// One answer: `route` is the matched resource's name (its path pattern),
    /// `None` for anything unrouted. Every label comes from a closed set, so
    /// what clients send (extension methods, random paths) cannot add series:
    /// the method is a standard one or `OTHER`, the route a resource name or
    /// `unmatched`, and the status one of the at most 900 codes actix can send.
    pub fn observe(&self, method: &Method, route: Option<&str>, status: StatusCode, seconds: f64) {
        let method = method_label(method);
        let route = route.unwrap_or(UNMATCHED);
        self.requests
            .with_label_values(&[method, route, status.as_str()])
            .inc();
        self.duration
            .with_label_values(&[method, route])
            .observe(seconds);
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
