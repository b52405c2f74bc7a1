//! DRF's `IsAdminUser` for the admin API, as an extractor: the user the access token
//! names ([`RequestUser`]: read from the database on every request), who must be active
//! and staff (or superuser); no token: 401, anyone else: 403.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest};
use shared::ApiError;
use std::future::Future;
use std::pin::Pin;

use crate::db::users::User;
use crate::error::AuthError;
use crate::request_user::RequestUser;

/// DRF's `PermissionDenied` default message.
pub const PERMISSION_DENIED: &str = "You do not have permission to perform this action.";

/// The acting staff user.
pub struct StaffUser(pub User);

impl FromRequest for StaffUser {
    type Error = AuthError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AuthError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = RequestUser::from_request(req, payload);
        Box::pin(async move {
            let RequestUser(user) = user.await?;
            // checked here whatever CHECK_USER_IS_ACTIVE says: an inactive account
            // administers nothing
            if user.is_active && (user.is_staff || user.is_superuser) {
                Ok(StaffUser(user))
            } else {
                // debug: any token holder can repeat this, and refusals are no actions
                tracing::debug!(
                    user_id = user.id,
                    "admin API refused: not an active staff user"
                );
                Err(ApiError::detail(StatusCode::FORBIDDEN, PERMISSION_DENIED).into())
            }
        })
    }
}
