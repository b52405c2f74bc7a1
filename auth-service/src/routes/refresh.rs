//! `POST /api/token/refresh/`: simplejwt's `TokenRefreshView` (master's user checks).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value};
use shared::ApiError;
use shared::errors::json_response;
use shared::request::required_strings;
use shared::settings::TokenClass;
use shared::tokens;
use shared::views::post_data;

use crate::error::AuthError;
use crate::state::AppState;
use crate::token_user::{UserCheck, check_user, password_changed, password_changed_error};

pub async fn refresh(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let data = post_data(&req, body, state.settings.tokenpair.max_body_bytes).await?;
    let raw = required_strings(&data, &["refresh"])?.concat();
    let now = tokens::now();
    let backend = &state.tokens;
    let mut refresh = backend
        .validate(raw.as_bytes(), TokenClass::Refresh, now)
        .map_err(|e| state.challenge(ApiError::token_not_valid(e.message())))?;

    if let UserCheck::Active(user) = check_user(&state, &refresh).await?
        && password_changed(&state, &refresh, &user)
    {
        return Err(password_changed_error(&state));
    }

    let mut body = Map::new();
    let access = backend.access_from(&refresh, now);
    body.insert("access".into(), Value::from(backend.encode(&access)?));
    if state.settings.jwt.rotate_refresh_tokens {
        let jwt = backend.settings();
        backend.set_jti(&mut refresh);
        let exp = (now + jwt.refresh_token_lifetime.as_secs_f64()).floor() as i64;
        refresh.insert("exp".into(), Value::from(exp));
        refresh.insert("iat".into(), Value::from(now.floor() as i64));
        body.insert("refresh".into(), Value::from(backend.encode(&refresh)?));
    }
    Ok(json_response(StatusCode::OK, &Value::Object(body)))
}
