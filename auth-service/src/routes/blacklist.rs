//! `POST /api/token/blacklist/`: simplejwt's `TokenBlacklistView` (logout of one
//! refresh token). A no-op 200 when the blacklist is switched off, as simplejwt
//! is without its app.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use serde_json::json;
use shared::ApiError;
use shared::errors::json_response;
use shared::settings::TokenClass;
use shared::tokens::{self, TokenError};

use super::view::{Refresh, TokenField};
use crate::cookies;
use crate::error::AuthError;
use crate::lifecycle::{self, load};
use crate::state::AppState;

pub async fn blacklist(
    field: TokenField<Refresh>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let result = log_out(&field.value, &state).await;
    if !state.settings.cookies.mode {
        return result;
    }
    // Cookie mode's logout clears both cookies; so does a refusal of the cookie's own token
    // (expired, blacklisted: it is of no more use). A 503 keeps them for a retry.
    let mut response = match result {
        Ok(response) => response,
        Err(AuthError::Api(error))
            if field.from_cookie && error.status() == StatusCode::UNAUTHORIZED =>
        {
            error.error_response()
        }
        Err(other) => return Err(other),
    };
    cookies::add(&mut response, cookies::cleared(&state.settings.cookies));
    Ok(response)
}

async fn log_out(token: &str, state: &AppState) -> Result<HttpResponse, AuthError> {
    let now = tokens::now();
    let loaded = load(state, token, TokenClass::Refresh, now, false).await?;
    if !lifecycle::blacklist_token(state, &loaded.payload, loaded.user_id, now).await? {
        // a concurrent call won: one logout succeeds, as a sequential retry would see
        return Err(state
            .challenge(ApiError::token_not_valid(TokenError::Blacklisted.message()))
            .into());
    }
    state.revoked_here();
    Ok(json_response(StatusCode::OK, &json!({})))
}
