//! Passwords chosen by people: Django's default password validators, used by the CLI
//! (`createsuperuser`, `createuser`, `changepassword`) and the HTTP API (password change,
//! user administration). Hashing lives in `django_hashers`.

mod common;
mod unicode_tables;
pub mod validators;

pub use validators::{UserAttributes, validate_password};
