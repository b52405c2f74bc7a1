//! `GET /.well-known/jwks.json`: the public keys this service's tokens verify with (RFC 7517),
//! the current signing key first, then `TOKENPAIR__PREVIOUS_VERIFYING_KEYS`, each with its
//! `kid` (RFC 7638 thumbprint), `alg` and `"use":"sig"`. HMAC: `{"keys":[]}` (a secret is
//! never published). Built once at start-up (`AppState::jwks`): the keys only change on restart.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, web};

use crate::state::AppState;

/// Five minutes: a verifier refetches a new key within that long after it is introduced (the
/// README's rotation waits at least this between introducing a key and signing with it), while
/// a fleet of resource services polling this endpoint costs one request per service per 5 min.
/// Verifiers refetch at once on an unknown `kid` anyway (`JWK_URL`'s cooldown).
pub const CACHE: &str = "public, max-age=300";

pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "application/json"))
        .insert_header((CACHE_CONTROL, CACHE))
        .body(state.jwks.clone())
}
