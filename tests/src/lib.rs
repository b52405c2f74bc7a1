//! Helpers for the end-to-end tests: test databases, in-process services, an
//! HTTP client with typed helpers, and the runner.

pub mod app;
pub mod bodies;
pub mod chaos_proxy;
pub mod db;
pub mod django;
pub mod harness;
pub mod jwks_server;
pub mod logs;
pub mod pgbouncer;
pub mod tokens;

pub use app::{Answer, Ctx, TestApp};
pub use db::Backend;
