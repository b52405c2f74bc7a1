//! `POST /api/token/refresh/`: simplejwt's `TokenRefreshView` with master's user
//! checks and race-free rotation.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::{Map, Value};
use shared::errors::json_response;
use shared::settings::TokenClass;
use shared::tokens;

use super::view::{Refresh, TokenField};
use crate::error::AuthError;
use crate::lifecycle;
use crate::state::AppState;

pub async fn refresh(
    field: TokenField<Refresh>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let now = tokens::now();
    let loaded =
        lifecycle::load_for_renewal(&state, &field.value, TokenClass::Refresh, now).await?;
    let mut refresh = loaded.payload;

    let backend = &state.tokens;
    let mut body = Map::new();
    let access = backend.access_from(&refresh, now);
    body.insert("access".into(), Value::from(backend.encode(&access)?));
    let jwt = backend.settings();
    if jwt.rotate_refresh_tokens {
        let old = refresh.clone();
        backend.set_jti(&mut refresh);
        let exp = (now + jwt.refresh_token_lifetime.as_secs_f64()).floor() as i64;
        refresh.insert("exp".into(), Value::from(exp));
        refresh.insert("iat".into(), Value::from(now.floor() as i64));
        let user_id = loaded.user.as_ref().map(|u| u.id);
        lifecycle::rotate(&state, &old, &refresh, user_id, now).await?;
        body.insert("refresh".into(), Value::from(backend.encode(&refresh)?));
    }
    Ok(json_response(StatusCode::OK, &Value::Object(body)))
}
