//! `POST /api/token/verify/`: simplejwt's `TokenVerifyView`. Any token type; the
//! blacklist only with `BLACKLIST_AFTER_ROTATION` (simplejwt's odd switch, kept).
//! Ours on top: a token covered by a revocation time (logout-all of its user, or
//! reuse detection of its family) gets 401 `Token has been revoked`, whatever its
//! type and whatever `BLACKLIST_AFTER_ROTATION` says.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::json;
use shared::ApiError;
use shared::errors::json_response;
use shared::settings::TokenClass;
use shared::tokens;

use super::view::{Token, TokenField};
use crate::db::revocation;
use crate::error::AuthError;
use crate::lifecycle::{issued_at, jti_of, revoked_error, uses_revocation};
use crate::state::AppState;
use crate::token_user::user_key;

pub async fn verify(
    field: TokenField<Token>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let now = tokens::now();
    let payload = state
        .tokens
        .validate(field.value.as_bytes(), TokenClass::Untyped, now)
        .map_err(|e| state.challenge(ApiError::token_not_valid(e.message())))?;
    if !uses_revocation(&state) {
        return Ok(json_response(StatusCode::OK, &json!({})));
    }
    let field = state.user_id_field;
    let key = state
        .tokens
        .user_id_of(&payload)
        .and_then(|c| user_key(field, c.0));
    let jti = jti_of(&state, &payload);
    if key.is_none() && jti.is_none() {
        return Ok(json_response(StatusCode::OK, &json!({})));
    }
    let standing = state
        .db
        .run(move |conn| {
            Ok(revocation::standing(
                conn,
                field,
                key.as_ref(),
                jti.as_deref(),
            )?)
        })
        .await?;
    if revocation::revoked(issued_at(&payload), standing.revoked_at) {
        return Err(revoked_error(&state));
    }
    if state.settings.jwt.blacklist_after_rotation && standing.blacklisted {
        return Err(ApiError::non_field_error("Token is blacklisted").into());
    }
    Ok(json_response(StatusCode::OK, &json!({})))
}
