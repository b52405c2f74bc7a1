//! The `serve` command both services share: logs, listener, runtime.

use std::future::Future;
use std::net::TcpListener;

use crate::Settings;

/// Initialise logging, bind `bind` and run `start(settings, listener)` to
/// completion on a multi-threaded runtime. Errors are one line for the CLI.
pub fn serve<F, Fut>(settings: Settings, bind: &str, start: F) -> Result<(), String>
where
    F: FnOnce(Settings, TcpListener) -> Fut,
    Fut: Future<Output = Result<(), String>>,
{
    crate::telemetry::init(settings.tokenpair.log_format, &settings.tokenpair.log_level);
    let listener = TcpListener::bind(bind).map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(start(settings, listener))
}
