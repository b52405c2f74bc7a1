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
