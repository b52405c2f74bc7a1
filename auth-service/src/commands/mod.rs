//! One module per command; `run` dispatches.

mod check;
mod flush;
mod migrate;
mod serve;
mod users;

use crate::settings::AuthSettings;

use crate::cli::Command;

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
    }
}

fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}
