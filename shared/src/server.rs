//! The `serve` command both services share: logs, listener, runtime.

use std::future::Future;
use std::net::TcpListener;

use crate::Settings;

/// Initialise logging, bind `bind` and run `start(settings, listener)` to
/// completion on a multi-threaded runtime. Errors are one line for the CLI.
/// `S`: the service's settings, which hold the shared ones.
pub fn serve<S, F, Fut>(settings: S, bind: &str, start: F) -> Result<(), String>
where
    S: AsRef<Settings>,
    F: FnOnce(S, TcpListener) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    let log = &settings.as_ref().log;
    crate::telemetry::init(log.format, &log.level);
    let listener = TcpListener::bind(bind).map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(start(settings, listener))
}

/// Resolves on the first SIGTERM or SIGINT (Ctrl-C). Given to actix as its stop
/// signal, both start a graceful stop: in-flight requests get `SHUTDOWN_GRACE` to
/// finish (actix's own handling stops at once on SIGINT, dropping them).
pub async fn stop_signal() {
    let name = received().await;
    tracing::info!(signal = name, "stopping: finishing in-flight requests");
}

/// [`stop_signal`] without the log line, for a second server of the same process
/// (`TOKENPAIR__ADMIN_BIND`): every listener of a signal gets it, one says so.
pub async fn stop_signal_quietly() {
    received().await;
}

async fn received() -> &'static str {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut term), Ok(mut interrupt)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::warn!("cannot listen for SIGTERM/SIGINT: stop with the process manager");
        return std::future::pending().await;
    };
    tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = interrupt.recv() => "SIGINT",
    }
}

/// `SHUTDOWN_GRACE` in actix's whole seconds, rounded up.
pub fn grace_secs(grace: std::time::Duration) -> u64 {
    grace.as_secs() + u64::from(grace.subsec_nanos() > 0)
}
