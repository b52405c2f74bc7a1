//! Django's `ModelBackend.authenticate` for the obtain views: one password hash
//! on every path (unknown user, inactive user, unusable password) so response
//! time does not reveal which accounts exist. In front of it, the per-(username,
//! client IP) throttle of failed logins (see `throttle`): a throttled attempt
//! costs neither the user lookup nor the hash. Also the per-IP throttle check the
//! obtain views make before they read the body: the throttle steps that need the
//! application state live here, so `throttle` (which the state holds) needs none.

use std::net::IpAddr;

use crate::db::users::{self, User};
use crate::error::AuthError;
use crate::hashers::{self, Verdict};
use crate::state::AppState;
use crate::throttle::{Bucket, Throttled};

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
    let user = looked_up.map_err(|t| refused(state, t))?;
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
                undo(state, bucket).await;
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
        clear(state, bucket).await?;
    }
    if must_update && state.settings.hashing.hash_upgrade {
        user.password = upgrade_hash(state, &user, password).await?;
    }
    Ok(user)
}

/// DRF's throttle check for a login view: the per-IP count, or nothing when it is off.
pub async fn check_ip(state: &AppState, client: IpAddr) -> Result<(), AuthError> {
    let Some(bucket) = state.throttle.ip_bucket(client) else {
        return Ok(());
    };
    let throttle = state.throttle.clone();
    let verdict = state
        .db
        .run(move |conn| Ok(throttle.count(conn, &bucket)?))
        .await?;
    verdict.map_err(|t| refused(state, t))
}

/// The 429 for a throttled attempt, counted as `tokenpair_logins_total{outcome="throttled"}`.
fn refused(state: &AppState, throttled: Throttled) -> AuthError {
    state.logins.with_label_values(&["throttled"]).inc();
    // debug, not info: a flood of throttled attempts must not become a flood of log lines
    // (the request log and the metric already count them)
    tracing::debug!(wait = throttled.wait_secs, "login throttled");
    AuthError::Api(throttled.into())
}

/// A successful login: its (username, IP) failures are forgotten.
async fn clear(state: &AppState, bucket: Bucket) -> Result<(), AuthError> {
    state.db.run(move |conn| Ok(bucket.clear(conn)?)).await?;
    Ok(())
}

/// Takes back the failure counted for an attempt whose password was never checked (the
/// hashing queue was full). Best effort: the caller answers 503 anyway.
async fn undo(state: &AppState, bucket: Bucket) {
    let undone = state.db.run(move |conn| Ok(bucket.undo(conn)?)).await;
    if let Err(e) = undone {
        tracing::warn!(error = %e, "login throttle: could not take back an unchecked attempt");
    }
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
    state.unauthorized("No active account found with the given credentials")
}
