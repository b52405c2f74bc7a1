//! `serve`, `check` and `healthcheck`.

use shared::Settings;

use crate::cli::{Cli, Command};
use crate::startup::{Application, startup_warnings, verifier};
use clap::Parser;

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
    shared::revocation::feed::check(&settings.feed)?;
    for warning in startup_warnings(settings) {
        eprintln!("WARNING: {warning}");
    }
    println!("System check identified no issues (0 silenced).");
    Ok(())
}

/// The `protected-service` binary: parse the command line, load the settings, run the command.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // No settings needed to probe: a broken configuration must not read as "unhealthy".
    if let Command::Healthcheck { url } = &cli.command {
        return shared::cli::exit_status(shared::probe::healthcheck(url));
    }
    let settings = shared::Settings::load(cli.config.as_deref()).map_err(|e| e.to_string());
    shared::cli::exit_status(settings.and_then(|s| run(cli.command, s)))
}
