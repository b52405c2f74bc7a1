//! The auth service's one error type, mapped to a response in one place.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use shared::ApiError;

use crate::db::DbError;
use crate::hash_pool::Busy;
use shared::tokens::SignError;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// An answer in DRF/simplejwt's shape, meant for the client.
    #[error("{0}")]
    Api(ApiError),
    /// Database or hashing capacity exhausted: retry later (503).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The database is known to be down: 503 without a log line per request
    /// (the outage is logged when it starts and when it ends).
    #[error("database down")]
    DatabaseDown,
    /// A bug or a broken dependency (500); details go to the log only.
    #[error("internal: {0}")]
    Internal(String),
}

impl From<ApiError> for AuthError {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl From<DbError> for AuthError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Unavailable(why) => Self::Unavailable(why),
            DbError::Down => Self::DatabaseDown,
            DbError::Query(err) => Self::Internal(format!("query failed: {err}")),
        }
    }
}

impl From<Busy> for AuthError {
    fn from(_: Busy) -> Self {
        Self::Unavailable("password hashing queue is full".into())
    }
}

impl From<SignError> for AuthError {
    fn from(e: SignError) -> Self {
        Self::Internal(e.to_string())
    }
}

impl ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Api(e) => e.status(),
            Self::Unavailable(_) | Self::DatabaseDown => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Api(e) => e.error_response(),
            Self::Unavailable(why) => {
                tracing::warn!(reason = %why, "answering 503");
                ApiError::service_unavailable().error_response()
            }
            Self::DatabaseDown => {
                tracing::debug!("answering 503: database down");
                ApiError::service_unavailable().error_response()
            }
            Self::Internal(why) => {
                tracing::error!(error = %why, "answering 500");
                ApiError::internal().error_response()
            }
        }
    }
}
