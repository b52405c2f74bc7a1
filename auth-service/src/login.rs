//! Django's `ModelBackend.authenticate` for the obtain views: one password hash
//! on every path (unknown user, inactive user, unusable password) so response
//! time does not reveal which accounts exist. In front of it, the per-(username,
//! client IP) throttle of failed logins (see `throttle`): a throttled attempt
//! costs neither the user lookup nor the hash.

use actix_web::http::StatusCode;
use shared::ApiError;
use std::net::IpAddr;

use crate::db::users::{self, User};
use crate::error::AuthError;
use crate::hashers::{self, Verdict};
use crate::state::AppState;
use crate::throttle;

/// The user whose username and password these are, if active; otherwise the
/// obtain views' 401 (or 429 when `client` has failed too often for `username`).
pub async fn authenticate(
    state: &AppState,
    client: IpAddr,
    username: String,
    password: String,
) -> Result<User, AuthError> {
    // The attempt is counted as a failure before the hash, in the same round trip as the
    // lookup (which it skips when over the limit): concurrent guesses are counted before any
    // of them is checked, so no more than the limit are ever hashed.
    let bucket = state.throttle.user_bucket(&username, client);
    let (throttle, counted) = (state.throttle.clone(), bucket.clone());
    let looked_up = state
        .db
        .run(move |conn| {
            if let Some(bucket) = &counted
                && let Err(throttled) = throttle.count(conn, bucket)?
            {
                return Ok(Err(throttled));
            }
            Ok(Ok(users::by_username(conn, &username)?))
        })
        .await?;
    let user = looked_up.map_err(|t| throttle::refused(state, t))?;
    let config = state.hasher.clone();
    let outcome = state
        .hashing
        .run(move || {
            let verdict = match &user {
                Some(user) => hashers::check_password(&password, &user.password, &config),
                None => {
                    hashers::run_dummy_hash(&password, &config);
                    Verdict::Invalid
                }
            };
            (verdict, user, password)
        })
        .await;
    let count = |outcome: &str| state.logins.with_label_values(&[outcome]).inc();
    let (verdict, user, password) = match outcome {
        Ok(outcome) => outcome,
        Err(busy) => {
            count("busy");
            if let Some(bucket) = bucket {
                throttle::undo(state, bucket).await;
            }
            return Err(busy.into());
        }
    };
    let (Verdict::Valid { must_update }, Some(mut user)) = (verdict, user) else {
        count("failure");
        return Err(no_active_account(state));
    };
    // Django's ModelBackend refuses inactive users whatever CHECK_USER_IS_ACTIVE says.
    if !user.is_active {
        count("failure");
        return Err(no_active_account(state));
    }
    count("success");
    if let Some(bucket) = bucket {
        throttle::clear(state, bucket).await?;
    }
    if must_update && state.settings.hashing.hash_upgrade {
        user.password = upgrade_hash(state, &user, password).await?;
    }
    Ok(user)
}

/// Django's re-hash on login (opt-in: see HASH_UPGRADE in the README).
async fn upgrade_hash(
    state: &AppState,
    user: &User,
    password: String,
) -> Result<String, AuthError> {
    let config = state.hasher.clone();
    let hash = state
        .hashing
        .run(move || hashers::make_password(&password, &config))
        .await?;
    let (id, stored) = (user.id, hash.clone());
    state
        .db
        .run(move |conn| Ok(users::set_password(conn, id, &stored)?))
        .await?;
    tracing::info!(
        user_id = user.id,
        "password hash upgraded to the current hasher"
    );
    Ok(hash)
}

fn no_active_account(state: &AppState) -> AuthError {
    state
        .challenge(ApiError::detail(
            StatusCode::UNAUTHORIZED,
            "No active account found with the given credentials",
        ))
        .into()
}
