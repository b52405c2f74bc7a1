//! The protected service: a resource API that verifies access tokens locally
//! with the shared key. It never calls the auth service or a database.

pub mod cli;
pub mod commands;
pub mod routes;
pub mod startup;

pub use startup::Application;
