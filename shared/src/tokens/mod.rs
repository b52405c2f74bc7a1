//! simplejwt's token classes: how tokens are minted, and the checks each class
//! applies on top of PyJWT's, with simplejwt's exact messages.

mod ascii_json;
mod base64url;
pub mod claims;
pub mod codec;
pub mod key_set;
mod keys;
pub mod picked;

use serde_json::Value;
use std::time::{SystemTime, UNIX_EPOCH};

pub use codec::{Claims, Codec, DecodeError, SignError};
pub use key_set::{KeySet, Keys, VerifyingKey};
pub use keys::algorithm_name;

use crate::settings::{JwtSettings, SettingsError, TokenClass};
use claims::{ClaimLookup, ClaimsVerdict};
pub use picked::{ClaimNames, PickedClaims};

/// A token failure, worded as simplejwt words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    Invalid,
    Expired,
    Blacklisted,
    NoClaim(String),
    ClaimExpired(String),
    NoId,
    NoType,
    WrongType,
}

impl TokenError {
    pub fn message(&self) -> String {
        match self {
            Self::Invalid => "Token is invalid".into(),
            Self::Expired => "Token is expired".into(),
            Self::Blacklisted => "Token is blacklisted".into(),
            Self::NoClaim(claim) => format!("Token has no '{claim}' claim"),
            Self::ClaimExpired(claim) => format!("Token '{claim}' claim has expired"),
            Self::NoId => "Token has no id".into(),
            Self::NoType => "Token has no type".into(),
            Self::WrongType => "Token has wrong type".into(),
        }
    }
}

impl TokenClass {
    /// The Python class name shown in `messages[].token_class`.
    pub fn class_name(self) -> &'static str {
        match self {
            Self::Access => "AccessToken",
            Self::Refresh => "RefreshToken",
            Self::Sliding => "SlidingToken",
            Self::Untyped => "UntypedToken",
        }
    }

    /// The `token_type` claim value.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
            Self::Sliding => "sliding",
            Self::Untyped => "untyped",
        }
    }

    fn lifetime(self, jwt: &JwtSettings) -> f64 {
        match self {
            Self::Access => jwt.access_token_lifetime.as_secs_f64(),
            Self::Refresh => jwt.refresh_token_lifetime.as_secs_f64(),
            Self::Sliding => jwt.sliding_token_lifetime.as_secs_f64(),
            Self::Untyped => 0.0,
        }
    }
}

/// Seconds since the epoch with sub-second precision, as Python's `now`.
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// simplejwt's `datetime_to_epoch`: whole seconds, truncated.
fn epoch(seconds: f64) -> Value {
    Value::from(seconds.floor() as i64)
}

/// A key of Python's payload dict: a claim setting of `None` becomes the key `null`,
/// which is what `json.dumps({None: ...})` writes.
fn claim_key(claim: Option<&str>) -> String {
    claim.unwrap_or("null").to_owned()
}

/// Issues and checks tokens: simplejwt's `TokenBackend` plus its token classes.
#[derive(Debug)]
pub struct TokenBackend {
    jwt: JwtSettings,
    codec: Codec,
    /// The claims the checks read (the stateless path picks only these from a payload).
    names: ClaimNames,
    /// Where the codec's keys come from when they change at run time (`JWK_URL`): told of
    /// tokens naming a `kid` the set does not hold.
    source: Option<std::sync::Arc<dyn KeySource>>,
}

/// A source of verifying keys that can fetch again (`crate::jwks::JwksKeys`).
pub trait KeySource: Send + Sync + std::fmt::Debug {
    /// A token named a `kid` the current set does not hold (a new key, or a forged kid).
    fn unknown_kid(&self);
}

impl TokenBackend {
    /// For the service that issues tokens.
    pub fn for_signing(jwt: JwtSettings) -> Result<Self, SettingsError> {
        let codec = Codec::for_signing(&jwt)?;
        Ok(Self::new(jwt, codec, None))
    }

    fn new(jwt: JwtSettings, codec: Codec, source: Option<std::sync::Arc<dyn KeySource>>) -> Self {
        Self {
            names: ClaimNames::new(&jwt),
            jwt,
            codec,
            source,
        }
    }

    /// For services that only verify, with the settings' keys. With `JWK_URL` (and an
    /// asymmetric algorithm) the keys come from the JWKS: `crate::Authenticator::from_settings`
    /// fetches them, and this refuses (it would verify nothing).
    pub fn for_verifying(jwt: JwtSettings) -> Result<Self, SettingsError> {
        if jwt.jwk_url_verifies().is_some() {
            return Err(SettingsError(
                "SIMPLE_JWT.JWK_URL: the keys come from the JWKS; build the verifier with \
                 shared::Authenticator::from_settings, which fetches them"
                    .into(),
            ));
        }
        let codec = Codec::for_verifying(&jwt)?;
        Ok(Self::new(jwt, codec, None))
    }

    /// For services that verify with a key set kept up to date elsewhere; `source`, if any,
    /// hears of tokens naming a `kid` the set does not hold.
    pub fn with_keys(
        jwt: JwtSettings,
        keys: std::sync::Arc<Keys>,
        source: Option<std::sync::Arc<dyn KeySource>>,
    ) -> Self {
        let codec = Codec::with_keys(jwt.algorithm, keys);
        Self::new(jwt, codec, source)
    }

    pub fn settings(&self) -> &JwtSettings {
        &self.jwt
    }

    /// The signing and verifying keys (the key set, the `kid` of issued tokens).
    pub fn codec(&self) -> &Codec {
        &self.codec
    }

    /// The first `AUTH_HEADER_TYPES` entry, used in `WWW-Authenticate`.
    pub fn auth_scheme(&self) -> &str {
        self.jwt
            .auth_header_types
            .first()
            .map(String::as_str)
            .unwrap_or("Bearer")
    }

    /// PyJWT's decode: signature, pinned algorithm and registered claims.
    pub fn decode(&self, raw: &[u8], now: f64) -> Result<Claims, TokenError> {
        let payload = self.codec.decode(raw).map_err(|e| self.refused(e))?;
        self.registered(payload, now)
    }

    /// [`Self::decode`] for a stateless verifier: the claims the checks read, picked from
    /// the payload without building its map, and the payload's JSON for whoever wants the
    /// rest ([`PickedClaims::payload`]).
    pub fn decode_picked(&self, raw: &[u8], now: f64) -> Result<PickedClaims<'_>, TokenError> {
        let payload = self
            .codec
            .verified_payload(raw)
            .map_err(|e| self.refused(e))?;
        let picked = PickedClaims::parse(payload, &self.names)
            .map_err(|_| self.refused(DecodeError::Claims))?;
        self.registered(picked, now)
    }

    fn refused(&self, error: DecodeError) -> TokenError {
        // A key introduced since the last fetch, or a forged kid: the refresher looks
        // again, at most once per cooldown. This token is refused either way.
        if error == DecodeError::UnknownKey
            && let Some(source) = &self.source
        {
            source.unknown_kid();
        }
        TokenError::Invalid
    }

    /// PyJWT's registered-claim checks on a decoded payload.
    fn registered<P: ClaimLookup>(&self, payload: P, now: f64) -> Result<P, TokenError> {
        match claims::validate_registered(&payload, &self.jwt, now) {
            ClaimsVerdict::Valid => Ok(payload),
            ClaimsVerdict::Expired => Err(TokenError::Expired),
            ClaimsVerdict::Invalid => Err(TokenError::Invalid),
        }
    }

    /// simplejwt's `Token.verify()` for a class, run after `decode` (and after
    /// the blacklist lookup, where there is one).
    pub fn verify_claims(
        &self,
        payload: &(impl ClaimLookup + ?Sized),
        class: TokenClass,
        now: f64,
    ) -> Result<(), TokenError> {
        self.check_exp(payload, "exp", now)?;
        if let Some(jti) = &self.jwt.jti_claim
            && payload.claim(jti).is_none()
        {
            return Err(TokenError::NoId);
        }
        if class != TokenClass::Untyped
            && let Some(type_claim) = &self.jwt.token_type_claim
        {
            match payload.claim(type_claim) {
                None => return Err(TokenError::NoType),
                Some(Value::String(t)) if t == class.type_name() => {}
                Some(_) => return Err(TokenError::WrongType),
            }
        }
        Ok(())
    }

    /// `decode` then `verify_claims`: building a simplejwt token from a string.
    pub fn validate(&self, raw: &[u8], class: TokenClass, now: f64) -> Result<Claims, TokenError> {
        let payload = self.decode(raw, now)?;
        self.verify_claims(&payload, class, now)?;
        Ok(payload)
    }

    /// simplejwt's `Token.check_exp(claim)`.
    pub fn check_exp(
        &self,
        payload: &(impl ClaimLookup + ?Sized),
        claim: &str,
        now: f64,
    ) -> Result<(), TokenError> {
        let value = payload
            .claim(claim)
            .ok_or_else(|| TokenError::NoClaim(claim.to_owned()))?;
        let at = claims::epoch_seconds(value).ok_or(TokenError::Invalid)?;
        if at <= now - self.jwt.leeway {
            return Err(TokenError::ClaimExpired(claim.to_owned()));
        }
        Ok(())
    }

    /// A fresh token of a class: `token_type, exp, iat, jti` (+ `refresh_exp` for sliding).
    pub fn new_token(&self, class: TokenClass, now: f64) -> Claims {
        let mut payload = Claims::new();
        payload.insert(
            claim_key(self.jwt.token_type_claim.as_deref()),
            Value::from(class.type_name()),
        );
        payload.insert("exp".into(), epoch(now + class.lifetime(&self.jwt)));
        payload.insert("iat".into(), epoch(now));
        self.set_jti(&mut payload);
        if class == TokenClass::Sliding {
            let refresh_exp = now + self.jwt.sliding_token_refresh_lifetime.as_secs_f64();
            payload.insert(
                self.jwt.sliding_token_refresh_exp_claim.clone(),
                epoch(refresh_exp),
            );
        }
        payload
    }

    /// A new random `jti` (32 lowercase hex characters).
    pub fn set_jti(&self, payload: &mut Claims) {
        payload.insert(
            claim_key(self.jwt.jti_claim.as_deref()),
            Value::from(uuid::Uuid::new_v4().simple().to_string()),
        );
    }

    /// `RefreshToken.for_user` / `SlidingToken.for_user`: the user id as a string,
    /// and the MD5 of the password hash when `CHECK_REVOKE_TOKEN` is on.
    pub fn for_user(
        &self,
        class: TokenClass,
        user_id: &str,
        password_hash_md5: Option<String>,
        now: f64,
    ) -> Claims {
        let mut payload = self.new_token(class, now);
        payload.insert(self.jwt.user_id_claim.clone(), Value::from(user_id));
        if self.jwt.check_revoke_token
            && let Some(md5) = password_hash_md5
        {
            payload.insert(self.jwt.revoke_token_claim.clone(), Value::from(md5));
        }
        payload
    }

    /// `RefreshToken.access_token`: a new access token expiring `ACCESS_TOKEN_LIFETIME`
    /// after `now`, carrying every claim of the refresh token but its own
    /// type, exp, jti and iat.
    pub fn access_from(&self, refresh: &Claims, now: f64) -> Claims {
        let mut access = self.new_token(TokenClass::Access, now);
        let type_key = claim_key(self.jwt.token_type_claim.as_deref());
        let jti_key = claim_key(self.jwt.jti_claim.as_deref());
        for (claim, value) in refresh {
            let skip = *claim == type_key
                || *claim == jti_key
                || matches!(claim.as_str(), "exp" | "jti" | "iat");
            if !skip {
                access.insert(claim.clone(), value.clone());
            }
        }
        access
    }

    /// simplejwt's `TokenBackend.encode`: `aud`/`iss` added (or overwritten in
    /// place) when configured, then signed.
    pub fn encode(&self, payload: &Claims) -> Result<String, SignError> {
        if self.jwt.audience.is_none() && self.jwt.issuer.is_none() {
            return self.codec.encode(payload);
        }
        let mut payload = payload.clone();
        if let Some(audience) = &self.jwt.audience {
            let aud = match audience {
                crate::settings::Audience::One(one) => Value::from(one.as_str()),
                crate::settings::Audience::Many(many) => Value::from(many.clone()),
            };
            payload.insert("aud".into(), aud);
        }
        if let Some(issuer) = &self.jwt.issuer {
            payload.insert("iss".into(), Value::from(issuer.as_str()));
        }
        self.codec.encode(&payload)
    }

    /// The user id a token names, as the string simplejwt would look up:
    /// `None` when the claim is absent or falsy (simplejwt skips the user check then).
    pub fn user_id_of<'p>(&self, payload: &'p Claims) -> Option<UserIdClaim<'p>> {
        match payload.get(&self.jwt.user_id_claim)? {
            Value::Null | Value::Bool(false) => None,
            Value::String(s) if s.is_empty() => None,
            Value::Number(n) if n.as_f64() == Some(0.0) => None,
            other => Some(UserIdClaim(other)),
        }
    }
}

/// The raw user-id claim of a token (a string since 5.5.1, an integer before).
#[derive(Debug, Clone, Copy)]
pub struct UserIdClaim<'p>(pub &'p Value);

impl UserIdClaim<'_> {
    /// The claim as an integer primary key, the way Django's ORM coerces it
    /// (`"2"` and `2` both name user 2; `"abc"` names nobody).
    pub fn as_i64(&self) -> Option<i64> {
        match self.0 {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The claim as text, for string lookups (e.g. `USER_ID_FIELD = "username"`).
    pub fn as_text(&self) -> Option<String> {
        match self.0 {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TEST_KEY: &str = "tokens-unit-test-key-0123456789abcdef";

    fn backend() -> TokenBackend {
        TokenBackend::for_signing(JwtSettings::with_signing_key(TEST_KEY)).unwrap()
    }

    fn obj(v: Value) -> Claims {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn issued_pair_has_simplejwt_claims_in_order() {
        let b = backend();
        let now = 1_700_000_000.75;
        let refresh = b.for_user(TokenClass::Refresh, "2", None, now);
        let access = b.access_from(&refresh, now);
        let keys = |p: &Claims| p.keys().cloned().collect::<Vec<_>>();
        assert_eq!(
            keys(&refresh),
            ["token_type", "exp", "iat", "jti", "user_id"]
        );
        assert_eq!(
            keys(&access),
            ["token_type", "exp", "iat", "jti", "user_id"]
        );
        assert_eq!(refresh["exp"], json!(1_700_086_400));
        assert_eq!(access["exp"], json!(1_700_000_300));
        assert_eq!(access["iat"], json!(1_700_000_000));
        assert_eq!(access["user_id"], json!("2"));
        assert_ne!(access["jti"], refresh["jti"]);
        let jti = access["jti"].as_str().unwrap();
        assert!(
            jti.len() == 32
                && jti
                    .chars()
                    .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }

    #[test]
    fn access_copies_custom_claims_but_not_identity_claims() {
        let b = backend();
        let refresh = obj(json!({"token_type":"refresh","exp":1,"iat":1,"jti":"r",
            "user_id":"1","custom":"c1","aud":"x"}));
        let access = b.access_from(&refresh, 100.0);
        assert_eq!(access["token_type"], json!("access"));
        assert_eq!(access["custom"], json!("c1"));
        assert_eq!(access["aud"], json!("x"));
        assert_ne!(access["jti"], json!("r"));
        assert_eq!(access["iat"], json!(100));
    }

    #[test]
    fn verify_order_and_messages() {
        let b = backend();
        let now = 1000.0;
        let check = |v: Value, class| b.verify_claims(&obj(v), class, now);
        assert_eq!(
            check(json!({"jti":"a","token_type":"access"}), TokenClass::Access),
            Err(TokenError::NoClaim("exp".into()))
        );
        assert_eq!(
            check(
                json!({"exp":2000,"token_type":"access"}),
                TokenClass::Access
            ),
            Err(TokenError::NoId)
        );
        assert_eq!(
            check(json!({"exp":2000,"jti":"a"}), TokenClass::Access),
            Err(TokenError::NoType)
        );
        assert_eq!(
            check(
                json!({"exp":2000,"jti":"a","token_type":"refresh"}),
                TokenClass::Access
            ),
            Err(TokenError::WrongType)
        );
        assert_eq!(
            check(
                json!({"exp":2000,"jti":"a","token_type":"refresh"}),
                TokenClass::Untyped
            ),
            Ok(())
        );
        assert_eq!(
            check(json!({"exp":2000,"jti":"a"}), TokenClass::Untyped),
            Ok(())
        );
        assert_eq!(
            TokenError::NoClaim("exp".into()).message(),
            "Token has no 'exp' claim"
        );
        assert_eq!(
            TokenError::ClaimExpired("refresh_exp".into()).message(),
            "Token 'refresh_exp' claim has expired"
        );
    }

    #[test]
    fn round_trip_and_expiry() {
        let b = backend();
        let now = now();
        let token = b
            .encode(&b.for_user(TokenClass::Access, "1", None, now))
            .unwrap();
        assert!(
            b.validate(token.as_bytes(), TokenClass::Access, now)
                .is_ok()
        );
        assert_eq!(
            b.validate(token.as_bytes(), TokenClass::Refresh, now),
            Err(TokenError::WrongType)
        );
        assert_eq!(
            b.validate(token.as_bytes(), TokenClass::Access, now + 301.0),
            Err(TokenError::Expired)
        );
        assert_eq!(
            b.validate(b"garbage", TokenClass::Access, now),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn audience_and_issuer_are_appended_and_required() {
        let mut jwt = JwtSettings::with_signing_key(TEST_KEY);
        jwt.audience = Some(crate::settings::Audience::One("svc".into()));
        jwt.issuer = Some("tokenpair".into());
        let b = TokenBackend::for_signing(jwt).unwrap();
        let now = now();
        let token = b
            .encode(&b.for_user(TokenClass::Access, "1", None, now))
            .unwrap();
        let payload = b
            .validate(token.as_bytes(), TokenClass::Access, now)
            .unwrap();
        let keys: Vec<_> = payload.keys().cloned().collect();
        assert_eq!(
            keys,
            ["token_type", "exp", "iat", "jti", "user_id", "aud", "iss"]
        );
        let plain = backend()
            .encode(&backend().for_user(TokenClass::Access, "1", None, now))
            .unwrap();
        assert_eq!(
            b.validate(plain.as_bytes(), TokenClass::Access, now),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn sliding_tokens_carry_refresh_exp() {
        let b = backend();
        let t = b.for_user(TokenClass::Sliding, "1", None, 0.0);
        let keys: Vec<_> = t.keys().cloned().collect();
        assert_eq!(
            keys,
            ["token_type", "exp", "iat", "jti", "refresh_exp", "user_id"]
        );
        assert_eq!(t["refresh_exp"], json!(86400));
    }

    #[test]
    fn user_id_claim_forms() {
        let b = backend();
        let id = |v: Value| {
            b.user_id_of(&obj(json!({ "user_id": v })))
                .map(|c| (c.as_i64(), c.as_text()))
        };
        assert_eq!(id(json!("2")), Some((Some(2), Some("2".into()))));
        assert_eq!(id(json!(2)), Some((Some(2), Some("2".into()))));
        assert_eq!(id(json!("abc")), Some((None, Some("abc".into()))));
        assert_eq!(id(json!("")), None);
        assert_eq!(id(json!(0)), None);
        assert_eq!(id(json!(null)), None);
    }
}
