//! What both services share: settings, token rules, error bodies, content
//! negotiation and the authentication extractor. Every simplejwt rule lives
//! here, once. DRF's body parsing, which only the auth service needs, is the
//! `drf-parsers` crate.

pub mod app;
pub mod auth;
pub mod cli;
pub mod csrf;
pub mod docs;
pub mod errors;
pub mod jwks;
pub mod metrics;
pub mod middleware;
pub mod negotiation;
pub mod probe;
pub mod pystr;
pub mod revocation;
pub mod server;
pub mod settings;
pub mod telemetry;
pub mod tokens;
pub mod views;

pub use auth::{Authenticator, TokenUser};
pub use errors::ApiError;
pub use settings::Settings;
