//! One module per command; `run` dispatches.

mod check;
mod flush;
pub mod keys;
mod migrate;
mod serve;
pub(crate) mod users;

use crate::settings::AuthSettings;

use crate::cli::{Cli, Command};
use clap::Parser;

/// Run a command; the error is the one line to print before exiting non-zero.
pub fn run(command: Command, settings: AuthSettings) -> Result<(), String> {
    match command {
        Command::Serve { bind } => serve::serve(settings, &bind),
        Command::Migrate => migrate::migrate(&settings),
        Command::Createsuperuser(args) => users::create_user(&settings, &args, true, &process_env),
        Command::Createuser(args) => users::create_user(&settings, &args, false, &process_env),
        Command::Changepassword { username } => users::change_password(&settings, username),
        Command::Flushexpiredtokens => flush::flush_expired_tokens(&settings),
        Command::Check => check::check(&settings),
        Command::Healthcheck { url } => shared::probe::healthcheck(&url),
        Command::Keys { command } => {
            keys::generate(&command).unwrap_or_else(|| keys::jwks(&settings))
        }
    }
}

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The `auth-service` binary: parse the command line, load the settings, run the command.
pub fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // No settings needed to probe: a broken configuration must not read as "unhealthy".
    if let Command::Healthcheck { url } = &cli.command {
        return shared::cli::exit_status(shared::probe::healthcheck(url));
    }
    // Nor to make a key pair.
    if let Command::Keys { command } = &cli.command
        && let Some(generated) = keys::generate(command)
    {
        return shared::cli::exit_status(generated);
    }
    let settings = AuthSettings::load(cli.config.as_deref()).map_err(|e| e.to_string());
    shared::cli::exit_status(settings.and_then(|s| run(cli.command, s)))
}
