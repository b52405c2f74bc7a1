//! auth-service's command line as its binary runs it (auth-service/src/main.rs), built
//! inside this package so that the end-to-end tests can run a command in a process of
//! its own: with its own environment (`createsuperuser --noinput` reads
//! DJANGO_SUPERUSER_*), its own stdout and its exit status, as a deployment script sees
//! them. Cargo hands the tests its path (`CARGO_BIN_EXE_auth-service-cli`).

use clap::Parser;
use std::process::ExitCode;

use auth_service::AuthSettings;
use auth_service::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = AuthSettings::load(cli.config.as_deref())
        .map_err(|e| e.to_string())
        .and_then(|settings| auth_service::commands::run(cli.command, settings));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}
