//! What every request handler needs, built once at start-up from the settings.

use actix_web::http::StatusCode;
use prometheus::{IntCounterVec, Opts};
use shared::metrics::Metrics;
use std::sync::Arc;

use crate::settings::AuthSettings;
use shared::auth::cookie::access_cookie;
use shared::tokens::TokenBackend;
use shared::{ApiError, Authenticator};

use crate::db::users::UserIdField;
use crate::db::{DatabaseTarget, Db, DbWait, PoolSettings};
use crate::error::AuthError;
use crate::feed_watch::FeedWatch;
use crate::hash_pool::HashPool;
use crate::hashers::HasherConfig;
use crate::throttle::LoginThrottle;

/// Why the service cannot start: one line, naming the setting or resource.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StartupError(pub String);

impl From<shared::settings::SettingsError> for StartupError {
    fn from(e: shared::settings::SettingsError) -> Self {
        Self(e.0)
    }
}

impl From<std::io::Error> for StartupError {
    fn from(e: std::io::Error) -> Self {
        Self(e.to_string())
    }
}

pub struct AppState {
    pub settings: AuthSettings,
    pub metrics: actix_web::web::Data<Metrics>,
    /// `tokenpair_logins_total{outcome="success"|"failure"|"busy"|"throttled"}`.
    pub logins: IntCounterVec,
    pub tokens: Arc<TokenBackend>,
    /// `GET /.well-known/jwks.json`'s body, built once.
    pub jwks: actix_web::web::Bytes,
    pub db: Db,
    pub hashing: HashPool,
    pub hasher: HasherConfig,
    pub user_id_field: UserIdField,
    pub throttle: Arc<LoginThrottle>,
    /// The revocation feed's watch, when the feed is served (`REVOCATION_SECRET`).
    pub feed: Option<Arc<FeedWatch>>,
    /// For the routes that take an access token (`RequestUser`): the header, or with
    /// `TOKENPAIR__COOKIE_ACCESS` the access cookie.
    authenticator: Authenticator,
}

impl AppState {
    /// Everything that does not need the database.
    pub fn checked_parts(
        settings: &AuthSettings,
    ) -> Result<(TokenBackend, HasherConfig, UserIdField, DatabaseTarget), StartupError> {
        let tokens = TokenBackend::for_signing(settings.jwt.clone())?;
        let user_id_field = UserIdField::parse(&settings.jwt.user_id_field).ok_or_else(|| {
            StartupError(format!(
                "SIMPLE_JWT.USER_ID_FIELD: {:?} is not a unique auth_user column we can look up (use id, username or email)",
                settings.jwt.user_id_field
            ))
        })?;
        let (jwt, tp) = (&settings.jwt, &settings.revocation);
        if tp.reuse_detection
            && !(jwt.rotate_refresh_tokens && jwt.blacklist_after_rotation && tp.token_blacklist)
        {
            return Err(StartupError(
                "TOKENPAIR.REUSE_DETECTION: needs SIMPLE_JWT.ROTATE_REFRESH_TOKENS, SIMPLE_JWT.BLACKLIST_AFTER_ROTATION and TOKENPAIR.TOKEN_BLACKLIST on".into(),
            ));
        }
        settings.cookies.check()?;
        crate::cookies::check_sizes(settings, &tokens, user_id_field)?;
        let target = DatabaseTarget::from_settings(&settings.database).map_err(StartupError)?;
        Ok((tokens, hasher_config(settings), user_id_field, target))
    }

    pub fn new(settings: AuthSettings) -> Result<Self, StartupError> {
        let (tokens, hasher, user_id_field, target) = Self::checked_parts(&settings)?;
        let pool = PoolSettings::from_settings(&settings.database);
        let db = Db::open(&target, pool, &DbWait::from_settings(&settings.database))
            .map_err(|e| StartupError(format!("DATABASE_URL: {e}")))?;
        let metrics = Metrics::new("auth-service").map_err(|e| StartupError(e.to_string()))?;
        let logins = IntCounterVec::new(
            Opts::new("tokenpair_logins_total", "Login attempts by outcome"),
            &["outcome"],
        )
        .and_then(|c| metrics.registry().register(Box::new(c.clone())).map(|()| c))
        .map_err(|e| StartupError(e.to_string()))?;
        let tokens = Arc::new(tokens);
        let authenticator =
            Authenticator::new(tokens.clone()).with_access_cookie(access_cookie(&settings.cookies));
        Ok(Self {
            metrics: actix_web::web::Data::new(metrics),
            logins,
            hashing: HashPool::new(settings.hashing.hash_threads, settings.hashing.hash_queue),
            jwks: jwks_document(&tokens),
            tokens,
            authenticator,
            db,
            hasher,
            user_id_field,
            throttle: Arc::new(LoginThrottle::new(&settings.throttle)),
            feed: None,
            settings,
        })
    }

    /// A revocation was committed here: wake the feed's waiting readers now.
    pub fn revoked_here(&self) {
        if let Some(feed) = &self.feed {
            feed.poke();
        }
    }

    /// The extractor configuration for routes that take an access token.
    pub fn authenticator(&self) -> Authenticator {
        self.authenticator.clone()
    }

    /// A 401 carrying this service's `WWW-Authenticate` challenge.
    pub fn challenge(&self, error: ApiError) -> ApiError {
        error.with_auth_scheme(self.tokens.auth_scheme())
    }

    /// A 401 `{"detail": detail}` with the challenge.
    pub fn unauthorized(&self, detail: &str) -> AuthError {
        self.challenge(ApiError::detail(StatusCode::UNAUTHORIZED, detail))
            .into()
    }
}

pub fn hasher_config(settings: &AuthSettings) -> HasherConfig {
    settings.hashing.hasher_config()
}

/// The JWKS of the keys `tokens` verifies with, as `GET /.well-known/jwks.json` serves it.
fn jwks_document(tokens: &TokenBackend) -> actix_web::web::Bytes {
    let jwks = tokens.codec().keys().current().jwks();
    // A `JwkSet` of strings always serialises; the fallback is the HMAC answer.
    let body = serde_json::to_vec(&jwks).unwrap_or_else(|_| br#"{"keys":[]}"#.to_vec());
    actix_web::web::Bytes::from(body)
}
