//! The `SIMPLE_JWT` table: simplejwt's setting names, its defaults (docs/simplejwt.md §3) and the checks
//! simplejwt makes at start-up, plus the ones it leaves to the first request.

mod hooks;
mod parsers;

pub(in crate::settings) use hooks::{apply_other, names};

use super::catalogue::{SIMPLE_JWT, Section, Setting, set};
use super::values;
use super::{KeyRules, Secret, SettingsError};
use jsonwebtoken::{Algorithm, AlgorithmFamily};
use parsers::{algorithm, audience, header_name, header_types, jwk_url, token_classes};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenClass {
    Access,
    Refresh,
    Sliding,
    Untyped,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// simplejwt's settings under their own names; defaults as in simplejwt 5.5.1 (docs/simplejwt.md §3).
#[derive(Debug, Clone)]
pub struct JwtSettings {
    pub access_token_lifetime: Duration,
    pub refresh_token_lifetime: Duration,
    pub rotate_refresh_tokens: bool,
    pub blacklist_after_rotation: bool,
    pub update_last_login: bool,
    pub algorithm: jsonwebtoken::Algorithm,
    /// SIGNING_KEY, else SECRET_KEY. Never empty for HS*; for asymmetric algorithms it may be
    /// empty in a service that only verifies (see [`JwtSettings::require_signing_key`]).
    pub signing_key: Secret,
    /// PEM public key; `None` is simplejwt's `""`.
    pub verifying_key: Option<String>,
    pub audience: Option<Audience>,
    pub issuer: Option<String>,
    pub jwk_url: Option<String>,
    /// Seconds.
    pub leeway: f64,
    /// Never empty.
    pub auth_header_types: Vec<String>,
    /// A lowercase header name, already converted from Django's `HTTP_X_...` form.
    pub auth_header_name: String,
    pub user_id_field: String,
    pub user_id_claim: String,
    /// Never empty.
    pub auth_token_classes: Vec<TokenClass>,
    /// `None`: token types are not checked.
    pub token_type_claim: Option<String>,
    /// `None`: tokens need no id.
    pub jti_claim: Option<String>,
    pub sliding_token_refresh_exp_claim: String,
    pub sliding_token_lifetime: Duration,
    pub sliding_token_refresh_lifetime: Duration,
    pub check_revoke_token: bool,
    pub revoke_token_claim: String,
    pub check_user_is_active: bool,
    /// Not simplejwt's: where the HMAC key came from and whether a short one is allowed.
    pub key_rules: KeyRules,
    /// Not simplejwt's: `TOKENPAIR.PREVIOUS_VERIFYING_KEYS`, tried after the current key.
    pub previous_verifying_keys: Vec<Secret>,
}

/// simplejwt's settings, in the README's order; the Python hooks and removed names are below.
impl Section for JwtSettings {
    const SETTINGS: &'static [Setting<Self>] = &[
        Setting::new(
            SIMPLE_JWT,
            "ACCESS_TOKEN_LIFETIME",
            "5 minutes",
            "access token lifetime",
            |s, raw| set(&mut s.access_token_lifetime, values::duration(raw)),
        ),
        Setting::new(
            SIMPLE_JWT,
            "REFRESH_TOKEN_LIFETIME",
            "1 day",
            "refresh token lifetime (also for rotated tokens)",
            |s, raw| set(&mut s.refresh_token_lifetime, values::duration(raw)),
        ),
        Setting::new(
            SIMPLE_JWT,
            "ROTATE_REFRESH_TOKENS",
            "false",
            "refresh also returns a new refresh token",
            |s, raw| set(&mut s.rotate_refresh_tokens, values::boolean(raw)),
        ),
        Setting::new(
            SIMPLE_JWT,
            "BLACKLIST_AFTER_ROTATION",
            "false",
            "rotation blacklists the old refresh token (race-free here); also makes verify consult the blacklist",
            |s, raw| set(&mut s.blacklist_after_rotation, values::boolean(raw)),
        ),
        Setting::new(
            SIMPLE_JWT,
            "UPDATE_LAST_LOGIN",
            "false",
            "obtain writes `auth_user.last_login`",
            |s, raw| set(&mut s.update_last_login, values::boolean(raw)),
        ),
        Setting::new(
            SIMPLE_JWT,
            "ALGORITHM",
            "HS256",
            "HS256/384/512, RS256/384/512, PS256/384/512, ES256/384, EdDSA",
            |s, raw| set(&mut s.algorithm, algorithm(raw)),
        ),
        // Unset means "default to SECRET_KEY", resolved in `finish`.
        Setting::with_file(
            SIMPLE_JWT,
            "SIGNING_KEY",
            "`SECRET_KEY`",
            "HMAC secret, or PEM private key (auth-service)",
            |s, raw| {
                let key = values::optional(raw, values::string)?;
                s.signing_key = key.map(Secret::from).unwrap_or_default();
                Ok(())
            },
        ),
        Setting::with_file(
            SIMPLE_JWT,
            "VERIFYING_KEY",
            "none",
            "PEM public key for asymmetric algorithms",
            |s, raw| set(&mut s.verifying_key, values::optional(raw, values::string)),
        ),
        Setting::new(
            SIMPLE_JWT,
            "AUDIENCE",
            "none",
            "`aud` added and required (one string or a JSON list)",
            |s, raw| set(&mut s.audience, values::optional(raw, audience)),
        ),
        Setting::new(
            SIMPLE_JWT,
            "ISSUER",
            "none",
            "`iss` added and required",
            |s, raw| set(&mut s.issuer, values::optional(raw, values::string)),
        ),
        Setting::new(
            SIMPLE_JWT,
            "JWK_URL",
            "none",
            "`http://` URL of a JWKS (auth-service's `/.well-known/jwks.json`): a resource service \
             verifies asymmetric tokens with its keys, by `kid`, and needs no key of its own \
             (ignored with HMAC and by auth-service)",
            |s, raw| set(&mut s.jwk_url, values::optional(raw, jwk_url)),
        ),
        Setting::new(
            SIMPLE_JWT,
            "LEEWAY",
            "0",
            "seconds (fractions allowed) of clock skew for `exp`/`iat`/`nbf`",
            |s, raw| {
                set(
                    &mut s.leeway,
                    values::duration(raw).map(|d| d.as_secs_f64()),
                )
            },
        ),
        Setting::new(
            SIMPLE_JWT,
            "AUTH_HEADER_TYPES",
            "`Bearer`",
            "accepted schemes; the first is used in `WWW-Authenticate`",
            |s, raw| set(&mut s.auth_header_types, header_types(raw)),
        ),
        Setting::new(
            SIMPLE_JWT,
            "AUTH_HEADER_NAME",
            "`HTTP_AUTHORIZATION`",
            "Django META form (`HTTP_X_AUTH`) or a header name (`X-Auth`)",
            |s, raw| set(&mut s.auth_header_name, header_name(raw)),
        ),
        Setting::new(
            SIMPLE_JWT,
            "USER_ID_FIELD",
            "`id`",
            "`id`, `username` or `email`",
            |s, raw| set(&mut s.user_id_field, values::string(raw)),
        ),
        Setting::new(
            SIMPLE_JWT,
            "USER_ID_CLAIM",
            "`user_id`",
            "claim holding the user id (always written as a string)",
            |s, raw| set(&mut s.user_id_claim, values::string(raw)),
        ),
        Setting::new(
            SIMPLE_JWT,
            "AUTH_TOKEN_CLASSES",
            "`AccessToken`",
            "token classes `/protected/` accepts, dotted path or short name (`AccessToken`, `SlidingToken`, …)",
            |s, raw| set(&mut s.auth_token_classes, token_classes(raw)),
        ),
        Setting::new(
            SIMPLE_JWT,
            "TOKEN_TYPE_CLAIM",
            "`token_type`",
            "`none` skips type checks",
            |s, raw| {
                set(
                    &mut s.token_type_claim,
                    values::optional(raw, values::string),
                )
            },
        ),
        Setting::new(
            SIMPLE_JWT,
            "JTI_CLAIM",
            "`jti`",
            "`none` skips the id requirement",
            |s, raw| set(&mut s.jti_claim, values::optional(raw, values::string)),
        ),
        Setting::new(
            SIMPLE_JWT,
            "SLIDING_TOKEN_LIFETIME",
            "5 minutes",
            "sliding token `exp`",
            |s, raw| set(&mut s.sliding_token_lifetime, values::duration(raw)),
        ),
        Setting::new(
            SIMPLE_JWT,
            "SLIDING_TOKEN_REFRESH_LIFETIME",
            "1 day",
            "sliding token `refresh_exp` (never extended)",
            |s, raw| set(&mut s.sliding_token_refresh_lifetime, values::duration(raw)),
        ),
        Setting::new(
            SIMPLE_JWT,
            "SLIDING_TOKEN_REFRESH_EXP_CLAIM",
            "`refresh_exp`",
            "",
            |s, raw| set(&mut s.sliding_token_refresh_exp_claim, values::string(raw)),
        ),
        Setting::new(
            SIMPLE_JWT,
            "CHECK_USER_IS_ACTIVE",
            "true",
            "inactive users refused at refresh (auth-service)",
            |s, raw| set(&mut s.check_user_is_active, values::boolean(raw)),
        ),
        Setting::new(
            SIMPLE_JWT,
            "CHECK_REVOKE_TOKEN",
            "false",
            "tokens carry the MD5 of the password hash; a password change revokes them at refresh",
            |s, raw| set(&mut s.check_revoke_token, values::boolean(raw)),
        ),
        Setting::new(
            SIMPLE_JWT,
            "REVOKE_TOKEN_CLAIM",
            "`hash_password`",
            "",
            |s, raw| set(&mut s.revoke_token_claim, values::string(raw)),
        ),
    ];
}

impl Default for JwtSettings {
    /// simplejwt's defaults, no key yet.
    fn default() -> Self {
        Self::with_signing_key("")
    }
}

impl JwtSettings {
    /// simplejwt's defaults (docs/simplejwt.md §3) with the given signing key; the loader starts from it too.
    pub fn with_signing_key(key: &str) -> JwtSettings {
        JwtSettings {
            access_token_lifetime: Duration::from_secs(5 * 60),
            refresh_token_lifetime: Duration::from_secs(24 * 60 * 60),
            rotate_refresh_tokens: false,
            blacklist_after_rotation: false,
            update_last_login: false,
            algorithm: Algorithm::HS256,
            signing_key: Secret::from(key),
            verifying_key: None,
            audience: None,
            issuer: None,
            jwk_url: None,
            leeway: 0.0,
            auth_header_types: vec!["Bearer".to_owned()],
            auth_header_name: "authorization".to_owned(),
            user_id_field: "id".to_owned(),
            user_id_claim: "user_id".to_owned(),
            auth_token_classes: vec![TokenClass::Access],
            token_type_claim: Some("token_type".to_owned()),
            jti_claim: Some("jti".to_owned()),
            sliding_token_refresh_exp_claim: "refresh_exp".to_owned(),
            sliding_token_lifetime: Duration::from_secs(5 * 60),
            sliding_token_refresh_lifetime: Duration::from_secs(24 * 60 * 60),
            check_revoke_token: false,
            revoke_token_claim: "hash_password".to_owned(),
            check_user_is_active: true,
            key_rules: KeyRules::default(),
            previous_verifying_keys: Vec::new(),
        }
    }

    fn is_hmac(&self) -> bool {
        self.algorithm.family() == AlgorithmFamily::Hmac
    }

    /// For a service that signs tokens. HMAC signs with SIGNING_KEY, and so does every
    /// asymmetric algorithm (as a PEM private key).
    pub fn require_signing_key(&self) -> Result<(), SettingsError> {
        if !self.signing_key.is_empty() {
            return Ok(());
        }
        Err(SettingsError(if self.is_hmac() {
            "SIMPLE_JWT.SIGNING_KEY: no signing key: set SECRET_KEY or SIMPLE_JWT__SIGNING_KEY"
                .to_owned()
        } else {
            format!(
                "SIMPLE_JWT.SIGNING_KEY: no signing key: {:?} signs with a PEM private key in \
                 SIMPLE_JWT__SIGNING_KEY",
                self.algorithm
            )
        }))
    }

    /// For a service that verifies tokens. HMAC verifies with the signing key (simplejwt ignores
    /// VERIFYING_KEY then); asymmetric algorithms need VERIFYING_KEY.
    /// A resource service with `JWK_URL` needs none ([`JwtSettings::jwk_url_verifies`]).
    pub fn require_verifying_key(&self) -> Result<(), SettingsError> {
        if self.is_hmac() {
            return self.require_signing_key();
        }
        if self.verifying_key.is_some() {
            return Ok(());
        }
        Err(SettingsError(format!(
            "SIMPLE_JWT.VERIFYING_KEY: no verifying key: {:?} verifies with a PEM public key in \
             SIMPLE_JWT__VERIFYING_KEY (a resource service can fetch its keys from \
             SIMPLE_JWT__JWK_URL instead)",
            self.algorithm
        )))
    }

    /// Cross-setting rules, once every entry is in.
    pub(super) fn finish(
        &mut self,
        secret_key: Option<&Secret>,
        warnings: &mut Vec<String>,
    ) -> Result<(), SettingsError> {
        if self.signing_key.is_empty()
            && let Some(secret_key) = secret_key
        {
            self.signing_key = secret_key.clone();
            self.key_rules.hmac_key_setting = "SECRET_KEY";
        }
        // A missing key is reported by whoever signs or verifies (require_*_key):
        // commands such as `migrate` need none.
        if self.is_hmac() {
            for (name, set) in [
                ("VERIFYING_KEY", self.verifying_key.is_some()),
                ("JWK_URL", self.jwk_url.is_some()),
            ] {
                if set {
                    warnings.push(format!(
                        "SIMPLE_JWT.{name}: ignored with {:?}: HMAC tokens are verified with the \
                         signing key",
                        self.algorithm
                    ));
                }
            }
        }
        Ok(())
    }

    /// Where a verifying-only service gets its keys: the JWKS at `JWK_URL` for an asymmetric
    /// algorithm (simplejwt's order), else the configured key. The signing service always
    /// verifies with its own keys.
    pub fn jwk_url_verifies(&self) -> Option<&str> {
        self.jwk_url.as_deref().filter(|_| !self.is_hmac())
    }
}
