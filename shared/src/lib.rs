//! What both services share: settings, token rules, error bodies and the
//! authentication extractor. Every simplejwt rule lives here, once.

pub mod app;
pub mod auth;
pub mod errors;
pub mod metrics;
pub mod middleware;
pub mod pyjson;
pub mod request;
pub mod server;
pub mod settings;
pub mod telemetry;
pub mod tokens;
pub mod views;

pub use auth::{Authenticator, TokenUser};
pub use errors::ApiError;
pub use settings::Settings;
