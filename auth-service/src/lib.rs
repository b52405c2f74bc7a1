//! The auth service: issues, refreshes and checks simplejwt-compatible tokens
//! for the users of a Django-compatible `auth_user` table.

pub mod cli;
pub mod commands;
pub mod db;
pub mod demo;
pub mod error;
pub mod hash_pool;
pub mod lifecycle;
pub mod login;
pub mod request_user;
pub mod routes;
pub mod startup;
pub mod state;
pub mod throttle;
pub mod token_user;

pub use django_hashers as hashers;
pub use startup::Application;
