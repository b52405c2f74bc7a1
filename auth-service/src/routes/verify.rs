//! `POST /api/token/verify/`: simplejwt's `TokenVerifyView`. Any token type; the
//! blacklist only with `BLACKLIST_AFTER_ROTATION` (simplejwt's odd switch, kept).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use shared::ApiError;
use shared::errors::json_response;
use shared::settings::TokenClass;
use shared::tokens;

use super::view::token_field;
use crate::db::blacklist;
use crate::error::AuthError;
use crate::lifecycle::jti_of;
use crate::state::AppState;

pub async fn verify(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let raw = token_field(&req, body, &state, "token").await?;
    let now = tokens::now();
    let payload = state
        .tokens
        .validate(raw.as_bytes(), TokenClass::Untyped, now)
        .map_err(|e| state.challenge(ApiError::token_not_valid(e.message())))?;
    let settings = &state.settings;
    if settings.jwt.blacklist_after_rotation
        && settings.tokenpair.token_blacklist
        && let Some(jti) = jti_of(&state, &payload)
    {
        let listed = state
            .db
            .run(move |conn| Ok(blacklist::is_blacklisted(conn, &jti)?))
            .await?;
        if listed {
            return Err(ApiError::non_field_error("Token is blacklisted").into());
        }
    }
    Ok(json_response(StatusCode::OK, &json!({})))
}
