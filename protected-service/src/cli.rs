//! The command line (in the library so tests can check the compose file against it).

use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "protected-service",
    version,
    about = "A resource API that verifies simplejwt access tokens locally, with no database"
)]
pub struct Cli {
    /// TOML settings file (else $TOKENPAIR_CONFIG); the environment overrides it.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the protected API.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8001", value_name = "HOST:PORT")]
        bind: String,
    },
    /// GET a URL (the readiness probe by default) and exit 0 on a 2xx answer, 1
    /// otherwise with the reason on stderr: the container healthcheck, without curl.
    Healthcheck {
        #[arg(
            long,
            default_value = "http://127.0.0.1:8001/readyz",
            value_name = "URL"
        )]
        url: String,
    },
    /// Validate the settings and keys; exit non-zero with the problem.
    Check,
}

/// The `protected-service` binary: parse the command line, load the settings, run the command.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // No settings needed to probe: a broken configuration must not read as "unhealthy".
    if let Command::Healthcheck { url } = &cli.command {
        return shared::cli::exit_status(shared::probe::healthcheck(url));
    }
    let settings = shared::Settings::load(cli.config.as_deref()).map_err(|e| e.to_string());
    shared::cli::exit_status(settings.and_then(|s| crate::commands::run(cli.command, s)))
}
