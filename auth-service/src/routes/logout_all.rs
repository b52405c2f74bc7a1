//! `POST /api/token/logout-all/` (ours; simplejwt has none, docs/simplejwt.md §8.2): revoke
//! every token of the user the access token authenticates, issued up to now: the
//! user's revocation time, checked by refresh, rotation and verify, and blacklist
//! rows for the user's outstanding tokens (so Django on the same database refuses
//! them too). One transaction, serialised with rotations (`db::revocation`).
//! Resource services hear of it through the revocation feed (README "Revocation"):
//! without one, access tokens already issued stay valid there until they expire.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;
use shared::errors::json_response;

use crate::db::revocation;
use crate::error::AuthError;
use crate::request_user::RequestUser;
use crate::state::AppState;

pub async fn logout_all(
    RequestUser(user): RequestUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let id = user.id;
    let revoked = state
        .db
        .run(move |conn| Ok(revocation::blacklist_user(conn, id)?))
        .await?;
    state.revoked_here();
    tracing::info!(
        user_id = user.id,
        revoked,
        "all refresh tokens of the user revoked"
    );
    Ok(json_response(StatusCode::OK, &json!({})))
}

/// DRF order: authenticate first, then the method (401 before 405).
pub fn resource() -> impl actix_web::dev::HttpServiceFactory {
    web::resource(super::table::LOGOUT_ALL)
        .name(super::table::LOGOUT_ALL)
        .wrap(shared::views::drf_headers("POST, OPTIONS"))
        .route(web::post().to(logout_all))
        .default_service(web::to(other_method))
}

async fn other_method(_user: RequestUser, req: HttpRequest) -> HttpResponse {
    if req.method() == actix_web::http::Method::OPTIONS {
        return shared::views::options_metadata(
            "Logout All",
            "Revokes every refresh token of the authenticated user.",
            None,
        );
    }
    shared::views::method_not_allowed(req.method())
}
