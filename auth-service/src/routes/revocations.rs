//! `GET /api/token/revocations/?after=CURSOR&wait=SECONDS` (ours; docs/revocation.md): the
//! revocation feed resource services follow. Served only with `TOKENPAIR__REVOCATION_SECRET`
//! (else an unknown path: 404), to `Authorization: Bearer <that secret>` only. Answers at once
//! when there are events after the cursor, else holds the request up to `wait` seconds (at
//! most 25) and answers as soon as one is committed, on this replica or another.

use actix_web::http::StatusCode;
use actix_web::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use sha2::{Digest, Sha256};
use shared::ApiError;
use shared::revocation::wire::{MAX_WAIT_SECS, Page};
use std::time::Duration;

use crate::db::revocation_events;
use crate::error::AuthError;
use crate::state::AppState;

pub async fn revocations(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AuthError> {
    let Some(feed) = state.feed.clone() else {
        return Err(ApiError::not_found().into());
    };
    authorize(&req, &state)?;
    let (after, wait) = query(req.query_string())?;
    let mut page = read(&state, after).await?;
    if page.events.is_empty() && !page.more && !wait.is_zero() {
        // bounded: past MAX_WAITERS a reader gets its (empty) answer at once
        if let Ok(_permit) = feed.waiters.try_acquire() {
            feed.wait_past(page.cursor, wait).await;
            page = read(&state, page.cursor).await?;
        }
    }
    let body = serde_json::to_string(&page).map_err(|e| AuthError::Internal(e.to_string()))?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "application/json"))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(body))
}

async fn read(state: &AppState, after: i64) -> Result<Page, AuthError> {
    let field = state.user_id_field;
    let keep = shared::revocation::keep_secs(&state.settings.jwt);
    let now = shared::tokens::now() as i64;
    let (events, cursor, more) = state
        .db
        .run(move |conn| {
            Ok(revocation_events::page(
                conn,
                after,
                field,
                now,
                keep as i64,
            )?)
        })
        .await?;
    Ok(Page {
        cursor,
        more,
        keep,
        events,
    })
}

/// `Authorization: Bearer <REVOCATION_SECRET>`, compared in constant time (as SHA-256
/// digests, so the comparison does not even depend on the length). DRF's 401 bodies; the
/// presented value is never logged.
fn authorize(req: &HttpRequest, state: &AppState) -> Result<(), AuthError> {
    let challenge = |error: ApiError| -> AuthError { state.challenge(error).into() };
    let Some(secret) = state.settings.feed.secret.as_ref() else {
        return Err(ApiError::not_found().into());
    };
    let Some(header) = req.headers().get(AUTHORIZATION) else {
        return Err(challenge(ApiError::not_authenticated()));
    };
    let presented = header
        .as_bytes()
        .strip_prefix(b"Bearer ")
        .unwrap_or_default();
    let (a, b) = (
        Sha256::digest(presented),
        Sha256::digest(secret.expose().as_bytes()),
    );
    let differ = a
        .iter()
        .zip(b.iter())
        .fold(0u8, |acc, (x, y)| acc | (x ^ y));
    if presented.is_empty() || differ != 0 {
        return Err(challenge(ApiError::detail(
            StatusCode::UNAUTHORIZED,
            "Incorrect authentication credentials.",
        )));
    }
    Ok(())
}

/// `after` (default 0: the snapshot) and `wait` (default 0, capped at 25 s), as DRF
/// field errors when they are not integers.
fn query(text: &str) -> Result<(i64, Duration), AuthError> {
    let mut after = 0i64;
    let mut wait = 0u64;
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let invalid = |name: &str| -> AuthError {
            ApiError::field_errors(vec![(
                name.to_owned(),
                vec!["A valid integer is required.".to_owned()],
            )])
            .into()
        };
        match key {
            "after" => {
                after = value
                    .parse()
                    .ok()
                    .filter(|n: &i64| *n >= 0)
                    .ok_or_else(|| invalid("after"))?;
            }
            "wait" => {
                wait = value
                    .parse::<u64>()
                    .map_err(|_| invalid("wait"))?
                    .min(MAX_WAIT_SECS);
            }
            _ => {}
        }
    }
    Ok((after, Duration::from_secs(wait)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_defaults_and_caps() {
        assert_eq!(query("").ok().map(|q| q.0), Some(0));
        let (after, wait) = query("after=12&wait=999").ok().unwrap();
        assert_eq!((after, wait), (12, Duration::from_secs(MAX_WAIT_SECS)));
        assert!(query("after=-1").is_err());
        assert!(query("after=x").is_err());
        assert!(query("wait=1.5").is_err());
    }
}
