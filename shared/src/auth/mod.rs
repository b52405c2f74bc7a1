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
use std::future::{Ready, ready};
use std::sync::Arc;

use crate::errors::{ApiError, TokenMessage};
use crate::jwks::JwksKeys;
use crate::revocation::{REVOKED, Revocations, Verdict};
use crate::settings::{Settings, TokenClass};
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
        let jwt = self.backend.settings();
        let Some(header) = header::header_bytes(req, &jwt.auth_header_name) else {
            return self.authenticate_cookie(req);
        };
        match header::raw_token(&header, &jwt.auth_header_types) {
            Ok(Some(raw)) => {
                let token = self.validate(raw, now())?;
                self.check_revoked(&token)?;
                Ok(Some(token))
            }
            Ok(None) => Ok(None),
            Err(_) => Err(self.bad_header()),
        }
    }

    /// The feed's verdict on a valid token: one map lookup or two (docs/revocation.md).
    fn check_revoked(&self, token: &ValidatedToken) -> Result<(), ApiError> {
        let Some(revocations) = &self.revocations else {
            return Ok(());
        };
        let jwt = self.backend.settings();
        match revocations.check(&token.payload, &jwt.user_id_claim, jwt.jti_claim.as_deref()) {
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
        if !self.is_ready() {
            // No key to judge the token with yet (JWK_URL not fetched): not the client's fault.
            return Err(ApiError::service_unavailable());
        }
        let classes = &self.backend.settings().auth_token_classes;
        // PyJWT's part does not depend on the class: decode once
        let decoded = self.backend.decode(raw, now);
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
                        return Ok(ValidatedToken { class, payload });
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
        let jwt = self.backend.settings();
        let Some(header) = header::header_bytes(req, &jwt.auth_header_name) else {
            return Ok(self.cookie_token(req)?.map(|raw| raw.as_bytes().to_vec()));
        };
        match header::raw_token(&header, &jwt.auth_header_types) {
            Ok(raw) => Ok(raw.map(<[u8]>::to_vec)),
            Err(_) => Err(self.bad_header()),
        }
    }

    /// DRF's view preamble and `IsAuthenticated`, stateless: content negotiation,
    /// then the token, then the user-id claim.
    pub fn token_user(&self, req: &HttpRequest) -> Result<TokenUser, ApiError> {
        crate::negotiation::for_request(req)?;
        let token = self
            .authenticate(req)?
            .ok_or_else(|| self.challenge(ApiError::not_authenticated()))?;
        let claim = &self.backend.settings().user_id_claim;
        let Some(user_id) = token.payload.get(claim).cloned() else {
            return Err(self.challenge(ApiError::token_not_valid(
                "Token contained no recognizable user identification",
            )));
        };
        Ok(TokenUser { user_id, token })
    }
}

/// simplejwt's `TokenUser`: the user as the token describes it, no database.
#[derive(Debug, Clone)]
pub struct TokenUser {
    /// The `USER_ID_CLAIM` value (a string since simplejwt 5.5.1, an integer before).
    pub user_id: Value,
    pub token: ValidatedToken,
}

impl TokenUser {
    /// A claim read the way `TokenUser` falls through to the token.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.token.payload.get(name)
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
