//! `TOKENPAIR` settings of user accounts: the password validators and the admin JSON API.

use shared::settings::catalogue::{OURS, Section, Setting, set};
use shared::settings::values;

use crate::passwords::validators::DEFAULT_MIN_LENGTH;

#[derive(Debug, Clone)]
pub struct AccountSettings {
    /// Django's `MinimumLengthValidator(min_length=...)`.
    pub password_min_length: usize,
    /// Whether `/api/admin/users/` is mounted.
    pub admin_api: bool,
}

impl Default for AccountSettings {
    fn default() -> Self {
        Self {
            password_min_length: DEFAULT_MIN_LENGTH,
            admin_api: true,
        }
    }
}

impl Section for AccountSettings {
    const SETTINGS: &'static [Setting<Self>] = &[
        Setting::new(
            OURS,
            "PASSWORD_MIN_LENGTH",
            "8",
            "Django's `MinimumLengthValidator` for new passwords (CLI, password change, admin API)",
            |s, raw| set(&mut s.password_min_length, values::count(raw, 1)),
        ),
        Setting::new(
            OURS,
            "ADMIN_API",
            "true",
            "the staff-only user administration API under `/api/admin/users/` (false: 404)",
            |s, raw| set(&mut s.admin_api, values::boolean(raw)),
        ),
    ];
}
