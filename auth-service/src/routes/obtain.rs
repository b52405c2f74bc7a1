//! `POST /api/token/`: simplejwt's `TokenObtainPairView`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use shared::errors::json_response;
use shared::request::required_strings;
use shared::settings::TokenClass;
use shared::tokens;
use shared::views::post_data;

use crate::db::users;
use crate::error::AuthError;
use crate::login::authenticate;
use crate::state::AppState;
use crate::token_user::password_md5;

pub async fn obtain_pair(
    req: HttpRequest,
    body: web::Payload,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let data = post_data(&req, body, state.settings.tokenpair.max_body_bytes).await?;
    let mut fields = required_strings(&data, &["username", "password"])?.into_iter();
    let (Some(username), Some(password)) = (fields.next(), fields.next()) else {
        return Err(AuthError::Internal(
            "field validation returned too few values".into(),
        ));
    };
    let user = authenticate(&state, username, password).await?;

    let now = tokens::now();
    let backend = &state.tokens;
    let refresh = backend.for_user(
        TokenClass::Refresh,
        &state.user_id_field.value_of(&user),
        Some(password_md5(&user.password)),
        now,
    );
    let access = backend.access_from(&refresh, now);
    let body = json!({
        "refresh": backend.encode(&refresh)?,
        "access": backend.encode(&access)?,
    });

    if state.settings.jwt.update_last_login {
        let id = user.id;
        let at = chrono::Utc::now().naive_utc();
        state
            .db
            .run(move |conn| Ok(users::touch_last_login(conn, id, at)?))
            .await?;
    }
    tracing::info!(user_id = user.id, "token pair issued");
    Ok(json_response(StatusCode::OK, &body))
}
