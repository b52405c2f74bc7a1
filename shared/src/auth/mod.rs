//! Request authentication as simplejwt's `JWTStatelessUserAuthentication` does it,
//! packaged as an actix extractor: a handler that takes a [`TokenUser`] argument
//! is protected.
//!
//! ```ignore
//! async fn protected(user: TokenUser) -> HttpResponse { ... }
//! let authenticator = web::Data::new(Authenticator::from_settings(&settings, None)?);
//! App::new().app_data(authenticator.clone())
//! ```

pub mod cookie;
pub mod header;

use actix_web::dev::Payload as RequestBody;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, web};
use serde_json::Value;
use std::borrow::Cow;
use std::future::{Ready, ready};
use std::sync::{Arc, OnceLock};

use crate::errors::{ApiError, TokenMessage};
use crate::jwks::JwksKeys;
use crate::revocation::{REVOKED, Revocations, Verdict};
use crate::settings::{Settings, TokenClass};
use crate::tokens::claims::ClaimLookup;
use crate::tokens::{Claims, TokenBackend, TokenError, now};

/// A token that passed every check of one of the `AUTH_TOKEN_CLASSES`.
#[derive(Debug, Clone)]
pub struct ValidatedToken {
    pub class: TokenClass,
    pub payload: Claims,
}

/// Authenticates requests with the token rules of the shared settings.
#[derive(Debug, Clone)]
pub struct Authenticator {
    backend: Arc<TokenBackend>,
    /// The keys of `JWK_URL`, when the backend verifies with them (readiness).
    jwks: Option<Arc<JwksKeys>>,
    /// The revocations of `TOKENPAIR__REVOCATION_URL`'s feed, when one is followed.
    revocations: Option<Arc<Revocations>>,
    /// With `TOKENPAIR__COOKIE_ACCESS`, the origins trusted besides a request's own: the
    /// access cookie is then read when a request has no header (`cookie.rs`).
    access_cookie: Option<Arc<[crate::csrf::TrustedOrigin]>>,
}

impl Authenticator {
    /// With a backend built by the caller (configured keys: `TokenBackend::for_verifying`);
    /// [`Authenticator::from_settings`] also handles `JWK_URL`.
    pub fn new(backend: Arc<TokenBackend>) -> Self {
        Self {
            backend,
            jwks: None,
            revocations: None,
            access_cookie: None,
        }
    }

    /// Also refuse what the revocation feed revoked (`shared::revocation::feed::start`).
    pub fn with_revocations(mut self, revocations: Option<Arc<Revocations>>) -> Self {
        self.revocations = revocations;
        self
    }

    /// The token rules of `settings`, keys decoded once; with `JWK_URL` (and an asymmetric
    /// algorithm), the JWKS refresher, and with `TOKENPAIR__REVOCATION_URL` the revocation
    /// feed's follower, are started on the current tokio runtime (call it from inside one,
    /// e.g. `#[actix_web::main]`). `registry`: where their metrics go.
    pub fn from_settings(
        settings: &Settings,
        registry: Option<&prometheus::Registry>,
    ) -> Result<Self, String> {
        let jwt = settings.jwt.clone();
        let (backend, jwks) = match jwt.jwk_url_verifies() {
            Some(url) => {
                let jwks = Arc::new(JwksKeys::new(url, jwt.algorithm));
                jwks.start(&settings.jwks, registry)?;
                (jwks.backend(jwt), Some(jwks))
            }
            None => (TokenBackend::for_verifying(jwt).map_err(|e| e.0)?, None),
        };
        let unregistered = prometheus::Registry::new();
        let revocations =
            crate::revocation::feed::start(&settings.feed, registry.unwrap_or(&unregistered))?;
        let authenticator = Self {
            jwks,
            ..Self::new(Arc::new(backend))
        };
        Ok(authenticator
            .with_revocations(revocations)
            .with_access_cookie(cookie::access_cookie(&settings.cookies)))
    }

    /// Why it cannot answer token requests yet (a service's `/readyz` says it), or `None`:
    /// with `JWK_URL` it needs a fetched key set; with a revocation feed, the feed's first
    /// snapshot (before that, tokens are refused with 503: fail closed).
    pub fn not_ready(&self) -> Option<&'static str> {
        if self.jwks.as_ref().is_some_and(|jwks| !jwks.is_loaded()) {
            return Some("no key set fetched from JWK_URL yet.");
        }
        if self.revocations.as_ref().is_some_and(|r| !r.is_loaded()) {
            return Some("the revocation feed's first snapshot has not arrived yet.");
        }
        None
    }

    pub fn is_ready(&self) -> bool {
        self.not_ready().is_none()
    }

    pub fn backend(&self) -> &TokenBackend {
        &self.backend
    }

    /// A 401 with this service's `WWW-Authenticate` challenge.
    pub fn challenge(&self, error: ApiError) -> ApiError {
        error.with_auth_scheme(self.backend.auth_scheme())
    }

    /// `JWTAuthentication.authenticate`: `Ok(None)` when the request carries no
    /// token for us (DRF then answers "credentials were not provided").
    pub fn authenticate(&self, req: &HttpRequest) -> Result<Option<ValidatedToken>, ApiError> {
        let Some(raw) = self.request_token(req)? else {
            return Ok(None);
        };
        let token = self.validate(&raw, now())?;
        self.check_revoked(&token.payload)?;
        Ok(Some(token))
    }

    /// `get_header` and `get_raw_token`: the token of a request (borrowed from its header,
    /// unless the header was repeated), or `None` when it carries none for us. Without the
    /// header, the access cookie's token in cookie mode (`cookie.rs`, CSRF checked there),
    /// which then takes every check a header's token takes.
    fn request_token<'r>(&self, req: &'r HttpRequest) -> Result<Option<Cow<'r, [u8]>>, ApiError> {
        let jwt = self.backend.settings();
        let Some(header) = header::header_bytes(req, &jwt.auth_header_name) else {
            return Ok(self
                .cookie_token(req)?
                .map(|raw| Cow::Borrowed(raw.as_bytes())));
        };
        let token = match header {
            Cow::Borrowed(bytes) => {
                header::raw_token(bytes, &jwt.auth_header_types).map(|raw| raw.map(Cow::Borrowed))
            }
            Cow::Owned(bytes) => header::raw_token(&bytes, &jwt.auth_header_types)
                .map(|raw| raw.map(|raw| Cow::Owned(raw.to_vec()))),
        };
        token.map_err(|_| self.bad_header())
    }

    /// The feed's verdict on a valid token: one map lookup or two (docs/revocation.md).
    fn check_revoked(&self, payload: &impl ClaimLookup) -> Result<(), ApiError> {
        let Some(revocations) = &self.revocations else {
            return Ok(());
        };
        let jwt = self.backend.settings();
        match revocations.check(payload, &jwt.user_id_claim, jwt.jti_claim.as_deref()) {
            Ok(()) => Ok(()),
            Err(Verdict::Revoked) => Err(self.challenge(ApiError::token_not_valid(REVOKED))),
            Err(Verdict::NotLoaded) => Err(ApiError::service_unavailable()),
        }
    }

    fn bad_header(&self) -> ApiError {
        self.challenge(ApiError::detail_code(
            StatusCode::UNAUTHORIZED,
            "Authorization header must contain two space-delimited values",
            "bad_authorization_header",
        ))
    }

    /// `get_validated_token`: the first of `AUTH_TOKEN_CLASSES` that accepts the
    /// token wins; otherwise one message per class.
    pub fn validate(&self, raw: &[u8], now: f64) -> Result<ValidatedToken, ApiError> {
        self.validate_with(raw, now, |_, _| false)
    }

    /// `validate` for a service that keeps a blacklist: `blacklisted(class, payload)`
    /// is asked after PyJWT's checks and before simplejwt's, as `BlacklistMixin` does.
    pub fn validate_with(
        &self,
        raw: &[u8],
        now: f64,
        blacklisted: impl Fn(TokenClass, &Claims) -> bool,
    ) -> Result<ValidatedToken, ApiError> {
        self.ready_to_judge()?;
        // PyJWT's part does not depend on the class: decode once
        let decoded = self.backend.decode(raw, now);
        let (class, payload) = self.judge(decoded, now, blacklisted)?;
        Ok(ValidatedToken { class, payload })
    }

    fn ready_to_judge(&self) -> Result<(), ApiError> {
        if !self.is_ready() {
            // No key to judge the token with yet (JWK_URL not fetched): not the client's fault.
            return Err(ApiError::service_unavailable());
        }
        Ok(())
    }

    /// simplejwt's class loop on a decoded token (its map, or its picked claims).
    fn judge<P: ClaimLookup>(
        &self,
        decoded: Result<P, TokenError>,
        now: f64,
        blacklisted: impl Fn(TokenClass, &P) -> bool,
    ) -> Result<(TokenClass, P), ApiError> {
        let classes = &self.backend.settings().auth_token_classes;
        let check = |class: TokenClass| -> Result<(), TokenError> {
            let payload = decoded.as_ref().map_err(Clone::clone)?;
            if blacklisted(class, payload) {
                return Err(TokenError::Blacklisted);
            }
            self.backend.verify_claims(payload, class, now)
        };
        let mut messages = Vec::new();
        for &class in classes {
            match check(class) {
                Ok(()) => {
                    if let Ok(payload) = decoded {
                        return Ok((class, payload));
                    }
                }
                Err(error) => messages.push(TokenMessage {
                    token_class: class.class_name(),
                    token_type: class.type_name(),
                    message: error.message(),
                }),
            }
        }
        Err(self.challenge(ApiError::no_valid_token_type(&messages)))
    }

    /// The raw token of a request, or `None` when it carries none for us.
    pub fn raw_token(&self, req: &HttpRequest) -> Result<Option<Vec<u8>>, ApiError> {
        Ok(self.request_token(req)?.map(Cow::into_owned))
    }

    /// DRF's view preamble and `IsAuthenticated`, stateless: content negotiation,
    /// then the token ([`Self::authenticate`]'s checks), then the user-id claim. The
    /// payload's map is built only if the handler asks for a claim ([`TokenUser::claims`]).
    pub fn token_user(&self, req: &HttpRequest) -> Result<TokenUser, ApiError> {
        crate::negotiation::for_request(req)?;
        let Some(raw) = self.request_token(req)? else {
            return Err(self.challenge(ApiError::not_authenticated()));
        };
        self.ready_to_judge()?;
        let now = now();
        let decoded = self.backend.decode_picked(&raw, now);
        let (class, picked) = self.judge(decoded, now, |_, _| false)?;
        self.check_revoked(&picked)?;
        let (payload, user_id) = picked.into_parts(&self.backend.settings().user_id_claim);
        let Some(user_id) = user_id else {
            return Err(self.challenge(ApiError::token_not_valid(
                "Token contained no recognizable user identification",
            )));
        };
        Ok(TokenUser {
            user_id,
            class,
            payload,
            claims: OnceLock::new(),
        })
    }
}

/// simplejwt's `TokenUser`: the user as the token describes it, no database.
#[derive(Debug, Clone)]
pub struct TokenUser {
    /// The `USER_ID_CLAIM` value (a string since simplejwt 5.5.1, an integer before).
    pub user_id: Value,
    /// The `AUTH_TOKEN_CLASSES` entry that accepted the token.
    pub class: TokenClass,
    /// The verified payload's JSON, parsed into [`Self::claims`] on first use.
    payload: Vec<u8>,
    claims: OnceLock<Claims>,
}

impl TokenUser {
    /// Every claim of the token, in its order (parsed on the first call). Empty in the one
    /// case serde_json cannot hold a payload the checks accepted: nesting beyond 128 levels.
    pub fn claims(&self) -> &Claims {
        self.claims
            .get_or_init(|| serde_json::from_slice(&self.payload).unwrap_or_default())
    }

    /// A claim read the way `TokenUser` falls through to the token.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.claims().get(name)
    }

    /// `TokenUser.username` (the claim, or "").
    pub fn username(&self) -> &str {
        self.claim("username").and_then(Value::as_str).unwrap_or("")
    }
}

impl FromRequest for TokenUser {
    type Error = ApiError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut RequestBody) -> Self::Future {
        let result = match req.app_data::<web::Data<Authenticator>>() {
            Some(auth) => auth.token_user(req),
            None => {
                tracing::error!("TokenUser used without an Authenticator in the app data");
                Err(ApiError::internal())
            }
        };
        ready(result)
    }
}

#[cfg(test)]
mod tests;
