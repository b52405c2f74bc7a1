//! `GET /readyz`: ready only when the database answers now and is migrated to
//! this build, so that an orchestrator routes no traffic to a replica that
//! would answer 503 (`/healthz` stays the liveness probe: the process runs).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError, web};
use diesel::r2d2::R2D2Connection;
use shared::ApiError;

use crate::db::{DbError, migrations};
use crate::state::AppState;

pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    match not_ready_because(&state).await {
        None => shared::views::ready(),
        Some(reason) => {
            tracing::debug!(reason, "answering /readyz with 503");
            ApiError::detail(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("Not ready: {reason}."),
            )
            .error_response()
        }
    }
}

/// Why the service cannot serve now; fixed phrases only, never the database's
/// own message (it may name hosts and users). The whole check is bounded by
/// DB_POOL_TIMEOUT: a probe that hangs would be worse than one that fails.
async fn not_ready_because(state: &AppState) -> Option<&'static str> {
    let limit = state.settings.database.pool_timeout;
    let check = state.db.run(|conn| {
        // The pool hands out a connection used within the last second unpinged; the
        // probe pings it anyway: a server lost since is "unreachable", where the
        // migration query alone would fail as "cannot be read".
        conn.ping()
            .map_err(|e| DbError::Unavailable(format!("ping: {e}")))?;
        Ok(migrations::pending(conn).map(|pending| pending.is_empty()))
    });
    match actix_web::rt::time::timeout(limit, check).await {
        Err(_elapsed) => Some("the database did not answer within DB_POOL_TIMEOUT"),
        Ok(Err(DbError::Down | DbError::Unavailable(_))) => Some("the database is unreachable"),
        Ok(Err(DbError::Query(_)) | Ok(Err(_))) => {
            Some("the database's migration state cannot be read")
        }
        Ok(Ok(Ok(false))) => {
            Some("the database has unapplied migrations (run `auth-service migrate`)")
        }
        Ok(Ok(Ok(true))) => None,
    }
}
