//! `serve`, `check` and `healthcheck`.

use shared::Settings;

use crate::cli::Command;
use crate::startup::{Application, startup_warnings, verifier};

pub fn run(command: Command, settings: Settings) -> Result<(), String> {
    match command {
        Command::Serve { bind } => serve(settings, &bind),
        Command::Check => check(&settings),
        Command::Healthcheck { url } => shared::probe::healthcheck(&url),
    }
}

fn serve(settings: Settings, bind: &str) -> Result<(), String> {
    shared::server::serve(settings, bind, |settings, listener| async move {
        let app = Application::build(settings, listener)?;
        tracing::info!(address = %bind, "protected-service listening");
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

fn check(settings: &Settings) -> Result<(), String> {
    verifier(settings).map_err(|e| e.0)?;
    for warning in startup_warnings(settings) {
        eprintln!("WARNING: {warning}");
    }
    println!("System check identified no issues (0 silenced).");
    Ok(())
}
