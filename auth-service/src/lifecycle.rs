//! Tokens against the database: simplejwt's `BlacklistMixin` (outstanding and
//! blacklisted rows), master's user checks, race-free rotation, our refresh-token
//! reuse detection, and revocation times (logout-all, reuse detection) that no
//! rotation can outrun (see `db::revocation`).

use chrono::{DateTime, NaiveDateTime};
use serde_json::Value;
use shared::ApiError;
use shared::settings::TokenClass;
use shared::tokens::{Claims, TokenError};

use crate::db::blacklist::{self, NewOutstanding};
use crate::db::issue;
use crate::db::revocation;
use crate::db::revocation_events;
use crate::db::rotation::{self, Outcome};
use crate::db::users::{self, User};
use crate::db::write_transaction;
use crate::error::AuthError;
use crate::state::AppState;
use crate::token_user::{active_user, password_changed, password_changed_error, user_key};

/// Seconds since the epoch as the UTC wall-clock time the tables store.
pub fn timestamp(seconds: f64) -> NaiveDateTime {
    let whole = seconds.floor();
    let micros = ((seconds - whole) * 1e6).round() as u32;
    DateTime::from_timestamp(whole as i64, micros.min(999_999) * 1000)
        .unwrap_or_default()
        .naive_utc()
}

/// The token's id as the blacklist stores it (`str()` of the `JTI_CLAIM` value).
pub fn jti_of(state: &AppState, payload: &Claims) -> Option<String> {
    let claim = state.settings.jwt.jti_claim.as_deref().unwrap_or("null");
    match payload.get(claim)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Whether simplejwt's blacklist app applies to this token class.
pub fn uses_blacklist(state: &AppState, class: TokenClass) -> bool {
    state.settings.revocation.token_blacklist
        && matches!(class, TokenClass::Refresh | TokenClass::Sliding)
}

fn invalid(state: &AppState, error: &TokenError) -> AuthError {
    state
        .challenge(ApiError::token_not_valid(error.message()))
        .into()
}

/// 401 `token_not_valid` "Token has been revoked": a revocation time covers the token.
pub fn revoked_error(state: &AppState) -> AuthError {
    state
        .challenge(ApiError::token_not_valid(revocation::REVOKED))
        .into()
}

/// Whether revocation times apply: they are recorded only with the blacklist
/// (logout-all and reuse detection need it).
pub fn uses_revocation(state: &AppState) -> bool {
    state.settings.revocation.token_blacklist
}

/// The token's `iat` as seconds, if it has a numeric one.
pub fn issued_at(payload: &Claims) -> Option<f64> {
    payload
        .get("iat")
        .and_then(shared::tokens::claims::epoch_seconds)
}

/// What the refresh-style views need before they act.
pub struct Loaded {
    pub payload: Claims,
    /// The user the token names, checked (exists, active); `None` when the token
    /// names nobody (simplejwt skips the check then).
    pub user: Option<User>,
    /// The id of the user the token names, if they exist, looked up whenever the
    /// blacklist app is on (whether or not the view checks the user).
    pub user_id: Option<i32>,
}

/// Build a simplejwt token of `class` from `raw` (PyJWT decode, blacklist,
/// claim checks, in that order) and, with `check_user`, apply master's
/// refresh-time user checks.
pub async fn load(
    state: &AppState,
    raw: &str,
    class: TokenClass,
    now: f64,
    check_user: bool,
) -> Result<Loaded, AuthError> {
    let payload = state
        .tokens
        .decode(raw.as_bytes(), now)
        .map_err(|e| invalid(state, &e))?;
    let jti = jti_of(state, &payload).filter(|_| uses_blacklist(state, class));
    let revocable = uses_revocation(state);
    let field = state.user_id_field;
    // The user the token names (`key` is `None` for no claim, or one that names
    // nobody), looked up for the user check and, with revocation, for the user's
    // revocation time (also where the view does not check the user: blacklist).
    let claim = state.tokens.user_id_of(&payload);
    let names_user = claim.is_some();
    let key = claim.and_then(|c| user_key(field, c.0));
    let lookup_key = (check_user || revocable).then(|| key.clone()).flatten();
    let lookup_jti = jti.clone();
    let standing = state
        .db
        .run(move |conn| {
            Ok(if revocable {
                revocation::standing(conn, field, lookup_key.as_ref(), lookup_jti.as_deref())?
            } else {
                // without the blacklist app there is no jti to look up, no revocation
                revocation::Standing {
                    user: match &lookup_key {
                        Some(key) => users::by_key(conn, field, key)?,
                        None => None,
                    },
                    ..Default::default()
                }
            })
        })
        .await?;
    if standing.blacklisted {
        if let Some(jti) = &jti {
            detect_reuse(state, jti, now).await?;
        }
        return Err(invalid(state, &TokenError::Blacklisted));
    }
    state
        .tokens
        .verify_claims(&payload, class, now)
        .map_err(|e| invalid(state, &e))?;
    // Every caller re-encodes the token (a new access token, rotation, the
    // blacklist row), and PyJWT refuses to encode a non-string `iss`: Django
    // answers 500 there; we call the token invalid.
    if payload.get("iss").is_some_and(|iss| !iss.is_string()) {
        return Err(invalid(state, &TokenError::Invalid));
    }
    if revocation::revoked(issued_at(&payload), standing.revoked_at) {
        return Err(revoked_error(state));
    }
    let user_id = standing.user.as_ref().map(|u| u.id);
    // master's refresh-time user check; a token that names no user skips it
    let user = match (check_user && names_user, key) {
        (false, _) => None,
        (true, None) => return Err(invalid(state, &TokenError::Invalid)),
        (true, Some(_)) => Some(active_user(state, standing.user)?),
    };
    Ok(Loaded {
        payload,
        user,
        user_id,
    })
}

/// A refresh or sliding token to renew: [`load`] with the user checks, then
/// master's `CHECK_REVOKE_TOKEN` (a token from before the user's last password
/// change is blacklisted, so it cannot be retried, and refused).
pub async fn load_for_renewal(
    state: &AppState,
    raw: &str,
    class: TokenClass,
    now: f64,
) -> Result<Loaded, AuthError> {
    let loaded = load(state, raw, class, now, true).await?;
    if let Some(user) = &loaded.user
        && password_changed(state, &loaded.payload, user)
    {
        blacklist_token(state, &loaded.payload, Some(user.id), now).await?;
        return Err(password_changed_error(state));
    }
    Ok(loaded)
}

/// The outstanding row simplejwt would create for a token it blacklists or issues.
fn outstanding_row(
    state: &AppState,
    payload: &Claims,
    user_id: Option<i32>,
    created_at: f64,
) -> Result<NewOutstanding, AuthError> {
    let jti = jti_of(state, payload).ok_or(AuthError::Internal("token without jti".into()))?;
    let exp = payload
        .get("exp")
        .and_then(Value::as_f64)
        .ok_or(AuthError::Internal("token without numeric exp".into()))?;
    Ok(NewOutstanding {
        token: blacklist::unsigned(&state.tokens.encode(payload)?).to_owned(),
        created_at: Some(timestamp(created_at)),
        expires_at: timestamp(exp),
        user_id,
        jti,
    })
}

/// What simplejwt's obtain serializer writes for a token just issued to `user_id`: its
/// `OutstandingToken` row (with reuse detection, in a new family) and, with
/// `UPDATE_LAST_LOGIN`, the user's `last_login`; one transaction (`db::issue`).
pub async fn record_login(
    state: &AppState,
    payload: &Claims,
    user_id: i32,
    now: f64,
) -> Result<(), AuthError> {
    let settings = &state.settings;
    let last_login = settings.jwt.update_last_login;
    if !settings.revocation.token_blacklist {
        if last_login {
            let at = timestamp(now);
            state
                .db
                .run(move |conn| Ok(users::touch_last_login(conn, user_id, at)?))
                .await?;
        }
        return Ok(());
    }
    let login = issue::Login {
        row: outstanding_row(state, payload, Some(user_id), now)?,
        family: settings.revocation.reuse_detection,
        last_login,
    };
    state
        .db
        .run(move |conn| Ok(issue::record(conn, &login)?))
        .await
        .map_err(Into::into)
}

/// simplejwt's `token.blacklist()`: the outstanding row (created if missing, with
/// `user_id`, the user the token names if they exist), then the blacklist row.
/// `Ok(false)`: it was already blacklisted.
pub async fn blacklist_token(
    state: &AppState,
    payload: &Claims,
    user_id: Option<i32>,
    now: f64,
) -> Result<bool, AuthError> {
    if !state.settings.revocation.token_blacklist {
        return Ok(true);
    }
    let row = outstanding_row(state, payload, user_id, now)?;
    let at = timestamp(now);
    // resource services accept this token: they must hear of it until its exp (+ LEEWAY,
    // during which they still accept it)
    let leeway = state.settings.jwt.leeway.max(0.0);
    let publish = accepted_by_resources(state, payload)
        .then(|| payload.get("exp").and_then(Value::as_f64))
        .flatten()
        .map(|exp| (exp + leeway).ceil() as i64);
    state
        .db
        .run(move |conn| {
            let Some(exp) = publish else {
                return Ok(blacklist::spend(conn, &row, at)?);
            };
            Ok(write_transaction(conn, |conn| {
                let id = blacklist::ensure_outstanding(conn, &row)?;
                let newly = blacklist::blacklist(conn, id, at)?;
                if newly {
                    revocation_events::publish_token(conn, &row.jti, exp)?;
                }
                Ok::<_, diesel::result::Error>(newly)
            })?)
        })
        .await
        .map_err(Into::into)
}

/// Whether a token is of a class resource services accept (`AUTH_TOKEN_CLASSES`), by its
/// `TOKEN_TYPE_CLAIM`: a blacklisted sliding token must reach them, a refresh token need not.
fn accepted_by_resources(state: &AppState, payload: &Claims) -> bool {
    let jwt = &state.settings.jwt;
    let Some(claim) = jwt.token_type_claim.as_deref() else {
        return false;
    };
    let Some(token_type) = payload.get(claim).and_then(Value::as_str) else {
        return false;
    };
    jwt.auth_token_classes
        .iter()
        .any(|class| class.type_name() == token_type)
}

/// `ROTATE_REFRESH_TOKENS`, in one transaction (`db::rotation`): under shared locks
/// on the user and the family (see `db::revocation`), check the old token against
/// their revocation times, spend it (with `BLACKLIST_AFTER_ROTATION`, by a unique
/// insert: of concurrent refreshes of one token exactly one gets here first, the
/// others get "Token is blacklisted"), then record the new one in the old one's family.
pub async fn rotate(
    state: &AppState,
    old: &Claims,
    new: &Claims,
    user_id: Option<i32>,
    now: f64,
) -> Result<(), AuthError> {
    let settings = &state.settings;
    if !settings.revocation.token_blacklist {
        return Ok(());
    }
    let rotation = rotation::Rotation {
        old: outstanding_row(state, old, user_id, now)?,
        new: outstanding_row(state, new, user_id, now)?,
        old_iat: issued_at(old),
        user_id,
        at: timestamp(now),
        spend: settings.jwt.blacklist_after_rotation,
        families: settings.revocation.reuse_detection,
    };
    let outcome = state
        .db
        .run(move |conn| Ok(rotation::rotate(conn, &rotation)?))
        .await?;
    match outcome {
        Outcome::Done => Ok(()),
        Outcome::Lost => Err(invalid(state, &TokenError::Blacklisted)),
        Outcome::Revoked => Err(revoked_error(state)),
    }
}

/// A blacklisted token came back. If it was spent by rotation longer ago than
/// the grace window, someone replayed it: revoke its whole family. Within the
/// window it is a client's concurrent duplicate, which revokes nothing.
async fn detect_reuse(state: &AppState, jti: &str, now: f64) -> Result<(), AuthError> {
    let tp = &state.settings.revocation;
    if !tp.reuse_detection {
        return Ok(());
    }
    let jti = jti.to_owned();
    let grace = chrono::Duration::from_std(tp.reuse_grace).unwrap_or_default();
    let at = timestamp(now);
    let revoked = state
        .db
        .run(move |conn| {
            let Some((family, Some(rotated_at))) = blacklist::family_of(conn, &jti)? else {
                return Ok(None);
            };
            if at - rotated_at <= grace {
                return Ok(None);
            }
            let count = revocation::revoke_family(conn, &family)?;
            Ok(Some((family, count)))
        })
        .await?;
    if let Some((family, count)) = revoked {
        tracing::warn!(family = %family, revoked = count, "refresh token reuse detected: token family revoked");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_keep_microseconds() {
        let t = timestamp(1_700_000_000.25);
        assert_eq!(t.to_string(), "2023-11-14 22:13:20.250");
    }
}
