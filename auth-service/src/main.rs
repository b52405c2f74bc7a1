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
