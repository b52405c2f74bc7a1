//! `POST /api/token/` and `POST /api/token/sliding/`: simplejwt's
//! `TokenObtainPairView` and `TokenObtainSlidingView`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use drf_parsers::{DrfData, required_strings};
use serde_json::json;
use shared::errors::json_response;
use shared::settings::TokenClass;
use shared::tokens::{self, Claims};
use shared::views::negotiate;

use crate::cookies;
use crate::db::users::User;
use crate::error::AuthError;
use crate::lifecycle;
use crate::login::{authenticate, check_ip};
use crate::state::AppState;
use crate::token_user::password_md5;

pub async fn obtain_pair(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let (user, refresh, now) = log_in(&req, body, &state, TokenClass::Refresh).await?;
    let backend = &state.tokens;
    let access = backend.access_from(&refresh, now);
    let (refresh, access) = (backend.encode(&refresh)?, backend.encode(&access)?);
    let cookies = cookies::issued(&state.settings, Some(&refresh), &access);
    let body = json!({ "refresh": refresh, "access": access });
    tracing::info!(user_id = user.id, "token pair issued");
    let mut response = json_response(StatusCode::OK, &body);
    cookies::add(&mut response, cookies);
    Ok(response)
}

pub async fn obtain_sliding(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let (user, sliding, _) = log_in(&req, body, &state, TokenClass::Sliding).await?;
    let body = json!({ "token": state.tokens.encode(&sliding)? });
    tracing::info!(user_id = user.id, "sliding token issued");
    Ok(json_response(StatusCode::OK, &body))
}

/// The obtain serializer: fields, `authenticate`, the new token recorded as
/// outstanding, `last_login` when `UPDATE_LAST_LOGIN`.
async fn log_in(
    req: &HttpRequest,
    body: web::Payload,
    state: &AppState,
    class: TokenClass,
) -> Result<(User, Claims, f64), AuthError> {
    // DRF's initial(): content negotiation, then the throttles, then (in the view) the body.
    negotiate(req)?;
    let client = state.throttle.client_ip(req);
    check_ip(state, client).await?;
    let data = DrfData::read(req, body).await?;
    let mut fields = required_strings(&data, &["username", "password"])?.into_iter();
    let (Some(username), Some(password)) = (fields.next(), fields.next()) else {
        return Err(AuthError::Internal(
            "field validation returned too few values".into(),
        ));
    };
    let user = authenticate(state, client, username, password).await?;

    let now = tokens::now();
    let token = state.tokens.for_user(
        class,
        &state.user_id_field.value_of(&user),
        Some(password_md5(&user.password)),
        now,
    );
    lifecycle::record_login(state, &token, user.id, now).await?;
    Ok((user, token, now))
}
