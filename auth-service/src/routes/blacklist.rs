//! `POST /api/token/blacklist/`: simplejwt's `TokenBlacklistView` (logout of one
//! refresh token). A no-op 200 when the blacklist is switched off, as simplejwt
//! is without its app.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::json;
use shared::ApiError;
use shared::errors::json_response;
use shared::settings::TokenClass;
use shared::tokens::{self, TokenError};

use super::view::{Refresh, TokenField};
use crate::error::AuthError;
use crate::lifecycle::{self, load};
use crate::state::AppState;

pub async fn blacklist(
    field: TokenField<Refresh>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let now = tokens::now();
    let loaded = load(&state, &field.value, TokenClass::Refresh, now, false).await?;
    if !lifecycle::blacklist_token(&state, &loaded.payload, loaded.user_id, now).await? {
        // a concurrent call won: one logout succeeds, as a sequential retry would see
        return Err(state
            .challenge(ApiError::token_not_valid(TokenError::Blacklisted.message()))
            .into());
    }
    state.revoked_here();
    Ok(json_response(StatusCode::OK, &json!({})))
}
