//! `POST /api/token/sliding/refresh/`: simplejwt's `TokenRefreshSlidingView`.
//! Like simplejwt (and unlike its docs), an expired sliding token cannot be
//! refreshed even inside its refresh window: clients observe that.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::{Value, json};
use shared::ApiError;
use shared::errors::json_response;
use shared::settings::TokenClass;
use shared::tokens;

use super::view::{Token, TokenField};
use crate::error::AuthError;
use crate::lifecycle;
use crate::state::AppState;

pub async fn refresh_sliding(
    field: TokenField<Token>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let now = tokens::now();
    let loaded =
        lifecycle::load_for_renewal(&state, &field.value, TokenClass::Sliding, now).await?;
    let mut token = loaded.payload;
    let jwt = state.tokens.settings();
    state
        .tokens
        .check_exp(&token, &jwt.sliding_token_refresh_exp_claim, now)
        .map_err(|e| state.challenge(ApiError::token_not_valid(e.message())))?;
    // jti, refresh_exp and every other claim are kept
    let exp = (now + jwt.sliding_token_lifetime.as_secs_f64()).floor() as i64;
    token.insert("exp".into(), Value::from(exp));
    token.insert("iat".into(), Value::from(now.floor() as i64));
    Ok(json_response(
        StatusCode::OK,
        &json!({ "token": state.tokens.encode(&token)? }),
    ))
}
