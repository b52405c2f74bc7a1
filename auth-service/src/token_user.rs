//! The user a refresh (or sliding) token names, checked as simplejwt master
//! checks it on refresh: deleted, inactive or unparsable users get a 401, never
//! a 500 (5.5.1 crashes on a deleted user).

use md5::{Digest, Md5};
use serde_json::Value;
use shared::tokens::{Claims, claims::python_int};

use crate::db::users::{User, UserIdField, UserKey};
use crate::error::AuthError;
use crate::state::AppState;

/// simplejwt's `get_md5_hash_password`: upper-case hex MD5 of the stored hash.
pub fn password_md5(stored_hash: &str) -> String {
    Md5::digest(stored_hash.as_bytes())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// How a claim names a user for the configured `USER_ID_FIELD`; `None` when it
/// cannot name one (Python would crash converting it).
pub fn user_key(field: UserIdField, claim: &Value) -> Option<UserKey> {
    match field {
        UserIdField::Id => {
            let id = python_int(claim)?;
            (id.fract() == 0.0 && id >= f64::from(i32::MIN) && id <= f64::from(i32::MAX))
                .then_some(UserKey::Id(id as i32))
        }
        UserIdField::Username | UserIdField::Email => match claim {
            Value::String(s) => Some(UserKey::Text(s.clone())),
            Value::Number(n) => Some(UserKey::Text(n.to_string())),
            _ => None,
        },
    }
}

/// simplejwt master's `TokenRefreshSerializer` user check (docs/simplejwt.md §1.3 step 3),
/// without the revoke-token part (see [`password_changed`]), on the user looked up
/// for a token that names one: the user must exist and, with `CHECK_USER_IS_ACTIVE`,
/// be active.
pub fn active_user(state: &AppState, user: Option<User>) -> Result<User, AuthError> {
    match user {
        Some(user) if user.is_active || !state.settings.jwt.check_user_is_active => Ok(user),
        _ => Err(no_active_account_for_token(state)),
    }
}

/// `CHECK_REVOKE_TOKEN`: the token's hash claim no longer matches the user's
/// password hash.
pub fn password_changed(state: &AppState, payload: &Claims, user: &User) -> bool {
    let jwt = &state.settings.jwt;
    jwt.check_revoke_token
        && payload.get(&jwt.revoke_token_claim).and_then(Value::as_str)
            != Some(password_md5(&user.password).as_str())
}

fn no_active_account_for_token(state: &AppState) -> AuthError {
    state.unauthorized("No active account found for the given token.")
}

pub fn password_changed_error(state: &AppState) -> AuthError {
    state.unauthorized("The user's password has been changed.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn md5_is_upper_hex_of_the_hash_string() {
        assert_eq!(password_md5(""), "D41D8CD98F00B204E9800998ECF8427E");
    }

    #[test]
    fn claims_to_keys() {
        assert_eq!(user_key(UserIdField::Id, &json!("2")), Some(UserKey::Id(2)));
        assert_eq!(user_key(UserIdField::Id, &json!(2)), Some(UserKey::Id(2)));
        assert_eq!(user_key(UserIdField::Id, &json!("abc")), None);
        assert_eq!(user_key(UserIdField::Id, &json!(99999999999i64)), None);
        assert_eq!(user_key(UserIdField::Id, &json!([1])), None);
        assert_eq!(
            user_key(UserIdField::Username, &json!("kyoko")),
            Some(UserKey::Text("kyoko".into()))
        );
    }
}
