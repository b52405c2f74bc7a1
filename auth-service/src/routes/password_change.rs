//! `POST /api/password/change/` (ours; Django's `PasswordChangeView` as a JSON view): the
//! user an access token authenticates changes their password, giving the old one.
//!
//! - fields `old_password`, `new_password`, in any body form the token views accept, with
//!   DRF's `CharField` rules (as simplejwt's `PasswordField`: trimmed, so the stored
//!   password is the one login, which trims too, will be given);
//! - a wrong old password is a failed login for (username, client IP) in the login
//!   throttle (counted before the hash, cleared by a right one), so the endpoint cannot be
//!   used to guess passwords faster than login allows; over the limit: 429;
//! - the new password must pass Django's validators (`crate::passwords`);
//! - the check and the new hash run on the hashing pool (503 when it is full);
//! - on success the new hash is stored and every earlier token of the user is revoked
//!   (`db::revocation::blacklist_user`, as logout-all): 200 `{"detail":"Password changed."}`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use drf_parsers::{DrfData, required_strings};
use serde_json::json;
use shared::ApiError;
use shared::errors::json_response;

use crate::db::{revocation, users};
use crate::error::AuthError;
use crate::hashers::{self, Verdict};
use crate::passwords::{UserAttributes, validate_password};
use crate::request_user::RequestUser;
use crate::state::AppState;

/// Django's `PasswordChangeForm.error_messages["password_incorrect"]`.
pub const OLD_PASSWORD_INCORRECT: &str =
    "Your old password was entered incorrectly. Please enter it again.";

pub async fn change_password(
    RequestUser(user): RequestUser,
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let data = DrfData::read(&req, body).await?;
    let mut fields = required_strings(&data, &["old_password", "new_password"])?.into_iter();
    let (Some(old_password), Some(new_password)) = (fields.next(), fields.next()) else {
        return Err(AuthError::Internal(
            "field validation returned too few values".into(),
        ));
    };
    let attributes = UserAttributes {
        username: &user.username,
        first_name: &user.first_name,
        last_name: &user.last_name,
        email: &user.email,
    };
    let problems = validate_password(
        &new_password,
        &attributes,
        state.settings.accounts.password_min_length,
    );

    // Counted as a failure before the hash, as login does (see `login::authenticate`).
    let client = state.throttle.client_ip(&req);
    let bucket = state.throttle.user_bucket(&user.username, client);
    if let Some(bucket) = bucket.clone() {
        let throttle = state.throttle.clone();
        let verdict = state
            .db
            .run(move |conn| Ok(throttle.count(conn, &bucket)?))
            .await?;
        verdict.map_err(|throttled| AuthError::Api(throttled.into()))?;
    }

    let (config, stored) = (state.hasher.clone(), user.password.clone());
    let hash_new = problems.is_empty();
    let outcome = state
        .hashing
        .run(move || {
            let right = matches!(
                hashers::check_password(&old_password, &stored, &config),
                Verdict::Valid { .. }
            );
            let hash = (right && hash_new).then(|| hashers::make_password(&new_password, &config));
            (right, hash)
        })
        .await;
    let (right, hash) = match outcome {
        Ok(outcome) => outcome,
        Err(busy) => {
            if let Some(bucket) = bucket {
                // never checked: take the counted failure back (best effort; 503 anyway)
                if let Err(e) = state.db.run(move |conn| Ok(bucket.undo(conn)?)).await {
                    tracing::warn!(error = %e, "password change: could not take back an unchecked attempt");
                }
            }
            return Err(busy.into());
        }
    };
    if right && let Some(bucket) = bucket {
        state.db.run(move |conn| Ok(bucket.clear(conn)?)).await?;
    }

    // Django's PasswordChangeForm reports both fields when both are wrong.
    let mut errors = Vec::new();
    if !right {
        errors.push((
            "old_password".to_owned(),
            vec![OLD_PASSWORD_INCORRECT.to_owned()],
        ));
    }
    if !problems.is_empty() {
        errors.push(("new_password".to_owned(), problems));
    }
    let Some(hash) = hash.filter(|_| errors.is_empty()) else {
        if !right {
            tracing::info!(
                user_id = user.id,
                "password change refused: wrong old password"
            );
        }
        return Err(ApiError::field_errors(errors).into());
    };

    let id = user.id;
    let revoked = state
        .db
        .run(move |conn| {
            // The password first: a token minted after the revocation must come from a
            // login with the new password.
            users::set_password(conn, id, &hash)?;
            Ok(revocation::blacklist_user(conn, id)?)
        })
        .await?;
    tracing::info!(
        user_id = user.id,
        revoked,
        "password changed; earlier tokens of the user revoked"
    );
    Ok(json_response(
        StatusCode::OK,
        &json!({"detail": "Password changed."}),
    ))
}

/// DRF order: authenticate first, then the method (401 before 405).
pub fn resource() -> impl actix_web::dev::HttpServiceFactory {
    web::resource(super::table::PASSWORD_CHANGE)
        .name(super::table::PASSWORD_CHANGE)
        .wrap(shared::views::drf_headers("POST, OPTIONS"))
        .route(web::post().to(change_password))
        .default_service(web::to(other_method))
}

async fn other_method(_user: RequestUser, req: HttpRequest) -> HttpResponse {
    if req.method() == actix_web::http::Method::OPTIONS {
        return shared::views::options_metadata(
            "Password Change",
            "Changes the authenticated user's password and revokes their earlier tokens.",
            None,
        );
    }
    shared::views::method_not_allowed(req.method())
}
