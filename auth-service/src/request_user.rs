//! simplejwt's stateful `JWTAuthentication` for the auth service's own
//! authenticated views: the token (sliding tokens checked against the
//! blacklist), then the user from the database (docs/simplejwt.md §5.4), and
//! (ours) the user's revocation time, so a token verify calls revoked does not
//! authenticate here either (a changed password, logout-all, a deactivation).
//! A view takes a [`RequestUser`] argument and actix authenticates before
//! the view runs.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, web};
use shared::ApiError;
use shared::tokens;
use std::future::Future;
use std::pin::Pin;

use crate::db::revocation::{self, Subject};
use crate::db::users::User;
use crate::db::{blacklist, users};
use crate::error::AuthError;
use crate::lifecycle::{issued_at, jti_of, revoked_error, uses_blacklist, uses_revocation};
use crate::state::AppState;
use crate::token_user::{password_changed, user_key};

/// The user an access (or sliding) token in the request authenticates; as an
/// extractor it fails with the 401 simplejwt answers (or 406 for an `Accept`
/// no renderer satisfies, checked first as DRF does).
pub struct RequestUser(pub User);

impl FromRequest for RequestUser {
    type Error = AuthError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AuthError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| AuthError::Internal("no AppState in the app data".into()))?;
            request_user(state, &req).await.map(RequestUser)
        })
    }
}

/// The checks of [`RequestUser`], in simplejwt's order.
async fn request_user(state: &AppState, req: &HttpRequest) -> Result<User, AuthError> {
    shared::views::negotiate(req)?;
    let authenticator = state.authenticator();
    let raw = authenticator
        .raw_token(req)?
        .ok_or_else(|| state.challenge(ApiError::not_authenticated()))?;
    let now = tokens::now();
    let classes = &state.settings.jwt.auth_token_classes;
    let needs_lookup = classes.iter().any(|&c| uses_blacklist(state, c));
    let jti = match state.tokens.decode(&raw, now) {
        Ok(payload) if needs_lookup => jti_of(state, &payload),
        _ => None,
    };
    let listed = match jti {
        Some(jti) => {
            state
                .db
                .run(move |conn| Ok(blacklist::is_blacklisted(conn, &jti)?))
                .await?
        }
        None => false,
    };
    let token = authenticator
        .validate_with(&raw, now, |class, _| listed && uses_blacklist(state, class))?;

    let fail = |detail: &str, code: &str| -> AuthError {
        state
            .challenge(ApiError::detail_code(
                StatusCode::UNAUTHORIZED,
                detail,
                code,
            ))
            .into()
    };
    let claim = &state.settings.jwt.user_id_claim;
    let Some(value) = token.payload.get(claim) else {
        return Err(fail(
            "Token contained no recognizable user identification",
            "token_not_valid",
        ));
    };
    let field = state.user_id_field;
    let check_revocation = uses_revocation(state);
    let found = match user_key(field, value) {
        Some(key) => {
            state
                .db
                .run(move |conn| {
                    let Some(user) = users::by_key(conn, field, &key)? else {
                        return Ok(None);
                    };
                    // the user's revocation (logout-all, password change, deactivation)
                    // covers access tokens here as it does at verify
                    let revoked_at = if check_revocation {
                        revocation::revoked_at(conn, Subject::User(user.id))?
                    } else {
                        None
                    };
                    Ok(Some((user, revoked_at)))
                })
                .await?
        }
        None => None,
    };
    let Some((user, revoked_at)) = found else {
        return Err(fail("User not found", "user_not_found"));
    };
    if state.settings.jwt.check_user_is_active && !user.is_active {
        return Err(fail("User is inactive", "user_inactive"));
    }
    if password_changed(state, &token.payload, &user) {
        return Err(fail(
            "The user's password has been changed.",
            "password_changed",
        ));
    }
    // ours, after simplejwt's own checks (their answers stay simplejwt's)
    if revocation::revoked(issued_at(&token.payload), revoked_at) {
        return Err(revoked_error(state));
    }
    Ok(user)
}
