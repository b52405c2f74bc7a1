//! The `TOKENPAIR` settings both services read: the HTTP server's shape and limits, and logging.

use super::catalogue::{OURS, Section, Setting, set};
use super::values;
use std::net::SocketAddr;
use std::num::NonZeroUsize;
use std::time::Duration;

/// gunicorn's `limit_request_field_size`, what Django deployments already live with.
const GUNICORN_FIELD_LIMIT: usize = 8190;

/// Below this an ordinary `Authorization: Bearer <token>` header would not fit.
const MIN_HEADER_BYTES: u64 = 1024;

/// The HTTP server of either service.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    pub workers: usize,
    /// Largest request header field (name, `: ` and value), as gunicorn's
    /// `limit_request_field_size`: larger ones get 431 before anything parses them.
    pub max_header_bytes: usize,
    /// Time a client has to send the request head (actix's `client_request_timeout`).
    pub client_head_timeout: Duration,
    /// Time a client has to send the whole body once the head is in.
    pub client_body_timeout: Duration,
    /// On SIGTERM, time in-flight requests get to finish before the process exits.
    pub shutdown_grace: Duration,
    /// Where `/metrics`, the OpenAPI document and the docs UI are served instead of the
    /// main port (`None`: on the main port). Probes stay on the main port.
    pub admin_bind: Option<SocketAddr>,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            workers: cores(),
            max_header_bytes: GUNICORN_FIELD_LIMIT,
            client_head_timeout: Duration::from_secs(5),
            client_body_timeout: Duration::from_secs(10),
            // Under compose's default stop timeout (10 s), so the process exits by itself.
            shutdown_grace: Duration::from_secs(8),
            admin_bind: None,
        }
    }
}

impl Section for ServerSettings {
    const SETTINGS: &'static [Setting<Self>] = &[
        Setting::new(
            OURS,
            "WORKERS",
            "cores",
            "HTTP worker threads per service",
            |s, raw| set(&mut s.workers, values::count(raw, 1)),
        ),
        Setting::new(
            OURS,
            "MAX_HEADER_BYTES",
            "8190",
            "largest request header field (name and value), gunicorn's limit; larger ones get \
             431 before any parsing",
            |s, raw| {
                set(
                    &mut s.max_header_bytes,
                    values::count(raw, MIN_HEADER_BYTES),
                )
            },
        ),
        Setting::new(
            OURS,
            "CLIENT_HEAD_TIMEOUT",
            "5s",
            "time a client has to send its request head; slower connections are closed (408)",
            |s, raw| set(&mut s.client_head_timeout, values::positive_duration(raw)),
        ),
        Setting::new(
            OURS,
            "CLIENT_BODY_TIMEOUT",
            "10s",
            "time a client has to send the whole body; slower ones get 408 and are closed",
            |s, raw| set(&mut s.client_body_timeout, values::positive_duration(raw)),
        ),
        Setting::new(
            OURS,
            "SHUTDOWN_GRACE",
            "8s",
            "on SIGTERM/Ctrl-C, time in-flight requests get to finish before exit",
            |s, raw| set(&mut s.shutdown_grace, values::duration(raw)),
        ),
        Setting::new(
            OURS,
            "ADMIN_BIND",
            "`none`",
            "address (`IP:PORT`) of a second listener for `/metrics`, `/api/schema/` and \
             `/api/docs/`, which the main port then answers 404; `none`: all on the main port",
            |s, raw| set(&mut s.admin_bind, values::optional(raw, socket_addr)),
        ),
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A tracing `EnvFilter` directive.
    pub level: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Text,
            level: "info".to_owned(),
        }
    }
}

impl Section for LogSettings {
    const SETTINGS: &'static [Setting<Self>] = &[
        Setting::new(
            OURS,
            "LOG_FORMAT",
            "`text`",
            "`text` or `json` (one JSON object per line)",
            |s, raw| {
                let choices = [("text", LogFormat::Text), ("json", LogFormat::Json)];
                set(&mut s.format, values::keyword(raw, &choices))
            },
        ),
        // Checked where the EnvFilter is built: this crate does not link tracing-subscriber.
        Setting::new(
            OURS,
            "LOG_LEVEL",
            "`info`",
            "a tracing filter (`RUST_LOG` wins)",
            |s, raw| {
                set(
                    &mut s.level,
                    values::string(raw).map(|s| s.trim().to_owned()),
                )
            },
        ),
    ];
}

/// `IP:PORT` (`[::]:9000` for IPv6): an address to listen on, not a host name, so that
/// `check` can tell a typo from a name that does not resolve yet.
fn socket_addr(raw: &config::ValueKind) -> values::Parsed<SocketAddr> {
    let text = values::string(raw)?;
    text.trim().parse().map_err(|_| {
        format!("invalid address {text:?} (use IP:PORT, e.g. 0.0.0.0:9000 or [::]:9000)")
    })
}

/// The default of the settings that scale with the machine (`cores` in the README).
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, NonZeroUsize::get)
}
