//! `POST /api/token/refresh/`: simplejwt's `TokenRefreshView` with master's user
//! checks and race-free rotation.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde_json::{Map, Value};
use shared::errors::json_response;
use shared::settings::TokenClass;
use shared::tokens;

use super::view::{Refresh, TokenField};
use crate::cookies;
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
    let access = backend.encode(&backend.access_from(&refresh, now))?;
    let jwt = backend.settings();
    let rotated = if jwt.rotate_refresh_tokens {
        let old = refresh.clone();
        backend.set_jti(&mut refresh);
        let exp = (now + jwt.refresh_token_lifetime.as_secs_f64()).floor() as i64;
        refresh.insert("exp".into(), Value::from(exp));
        refresh.insert("iat".into(), Value::from(now.floor() as i64));
        let user_id = loaded.user.as_ref().map(|u| u.id);
        lifecycle::rotate(&state, &old, &refresh, user_id, now).await?;
        Some(backend.encode(&refresh)?)
    } else {
        None
    };
    // Without rotation the refresh cookie already holds the one refresh token there is.
    let cookies = cookies::issued(&state.settings, rotated.as_deref(), &access);
    let mut body = Map::new();
    body.insert("access".into(), Value::from(access));
    if let Some(rotated) = rotated {
        body.insert("refresh".into(), Value::from(rotated));
    }
    let mut response = json_response(StatusCode::OK, &Value::Object(body));
    cookies::add(&mut response, cookies);
    Ok(response)
}
