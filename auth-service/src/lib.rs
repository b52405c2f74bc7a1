//! The auth service: issues, refreshes and checks simplejwt-compatible tokens
//! for the users of a Django-compatible `auth_user` table.
//!
//! Its API is what its binary, the demo stack and the tests need: the
//! application builder, the CLI and its commands, the settings type and the
//! demo stack's one entry point. Everything else is private to the crate:
//! tests go through HTTP, the CLI or SQL.

pub mod cli;
pub mod commands;
mod cookies;
mod db;
pub mod demo;
mod error;
mod feed_watch;
mod hash_pool;
mod lifecycle;
mod login;
mod passwords;
mod request_user;
mod routes;
pub mod settings;
mod startup;
mod state;
mod throttle;
mod token_user;

use django_hashers as hashers;
/// The settings [`Application::build`] and [`commands::run`] take.
pub use settings::AuthSettings;
pub use startup::Application;
pub use state::StartupError;
