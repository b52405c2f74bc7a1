//! Unusable passwords: what Django stores for `set_unusable_password()`, so that the account
//! cannot log in with any password while the column still holds a unique-looking value.

use super::random_string;

/// Django's `UNUSABLE_PASSWORD_PREFIX`; no hasher's output starts with it.
pub const PREFIX: char = '!';
/// Django's `UNUSABLE_PASSWORD_SUFFIX_LENGTH`. The random part keeps disabled accounts from all
/// sharing one value (Django ticket #20079).
pub const SUFFIX_LEN: usize = 40;

/// What Django stores for `set_unusable_password()`: "!" + 40 random alphanumerics.
pub fn make_unusable_password() -> String {
    let mut encoded = String::with_capacity(1 + SUFFIX_LEN);
    encoded.push(PREFIX);
    encoded.push_str(&random_string(SUFFIX_LEN));
    encoded
}

/// Whether Django would consider this stored value usable (`is_password_usable`: not starting
/// with "!"). Usable does not mean valid: an empty or corrupt value is "usable" yet never
/// verifies.
pub fn is_usable(encoded: &str) -> bool {
    !encoded.starts_with(PREFIX)
}
