//! PyJWT's registered-claim checks, in PyJWT's order (iat, nbf, exp, iss, aud,
//! sub, jti), so that a token failing several checks gets the same message.

use serde_json::Value;

use super::codec::Claims;
use crate::settings::{Audience, JwtSettings};

/// Where the checks read claims from: a token's whole map ([`Claims`]), or the few claims
/// a stateless verifier reads ([`super::picked::PickedClaims`]: no map per request).
pub trait ClaimLookup {
    fn claim(&self, name: &str) -> Option<&Value>;
}

impl ClaimLookup for Claims {
    fn claim(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

/// What PyJWT concluded about the registered claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimsVerdict {
    Valid,
    /// `ExpiredSignatureError`: simplejwt says "Token is expired".
    Expired,
    /// Any other `InvalidTokenError`: "Token is invalid".
    Invalid,
}

/// Python's `int(value)` for a claim, as a float for comparison with `now`.
/// `None` where Python raises (PyJWT then reports an invalid token, or in a few
/// cases crashes with a 500; we answer "invalid" there too).
pub fn python_int(value: &Value) -> Option<f64> {
    match value {
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        Value::Number(n) => {
            // The number's own text (arbitrary_precision): no allocation per claim.
            let text = n.as_str();
            if text.contains(['.', 'e', 'E']) {
                n.as_f64().filter(|f| f.is_finite()).map(f64::trunc)
            } else {
                text.parse::<f64>().ok()
            }
        }
        Value::String(s) => python_int_literal(s),
        _ => None,
    }
}

/// `int("  -12_3 ")`: optional sign, digits with single underscores between them.
fn python_int_literal(text: &str) -> Option<f64> {
    let text = text.trim_matches(|c: char| c.is_whitespace() || ('\x1c'..='\x1f').contains(&c));
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.chars().all(|c| c.is_ascii_digit() || c == '_')
    {
        return None;
    }
    let value: f64 = digits.replace('_', "").parse().ok()?;
    Some(if negative { -value } else { value })
}

/// The claims [`validate_registered`] reads.
pub const REGISTERED: [&str; 7] = ["iat", "nbf", "exp", "iss", "aud", "sub", "jti"];

/// PyJWT's `_validate_claims` with the options simplejwt passes
/// (`verify_aud` only when `AUDIENCE` is set; issuer checked when set).
pub fn validate_registered(
    payload: &(impl ClaimLookup + ?Sized),
    jwt: &JwtSettings,
    now: f64,
) -> ClaimsVerdict {
    let leeway = jwt.leeway;
    if let Some(iat) = payload.claim("iat") {
        match python_int(iat) {
            Some(iat) if iat <= now + leeway => {}
            _ => return ClaimsVerdict::Invalid,
        }
    }
    if let Some(nbf) = payload.claim("nbf") {
        match python_int(nbf) {
            Some(nbf) if nbf <= now + leeway => {}
            _ => return ClaimsVerdict::Invalid,
        }
    }
    if let Some(exp) = payload.claim("exp") {
        match python_int(exp) {
            Some(exp) if exp <= now - leeway => return ClaimsVerdict::Expired,
            Some(_) => {}
            None => return ClaimsVerdict::Invalid,
        }
    }
    if let Some(issuer) = &jwt.issuer {
        match payload.claim("iss") {
            Some(Value::String(iss)) if iss == issuer => {}
            _ => return ClaimsVerdict::Invalid,
        }
    }
    if let Some(audience) = &jwt.audience
        && !audience_matches(payload.claim("aud"), audience)
    {
        return ClaimsVerdict::Invalid;
    }
    for claim in ["sub", "jti"] {
        if payload.claim(claim).is_some_and(|v| !v.is_string()) {
            return ClaimsVerdict::Invalid;
        }
    }
    ClaimsVerdict::Valid
}

fn audience_matches(claim: Option<&Value>, expected: &Audience) -> bool {
    let claimed: Vec<&str> = match claim {
        Some(Value::String(one)) if !one.is_empty() => vec![one.as_str()],
        Some(Value::Array(many)) if !many.is_empty() => {
            match many.iter().map(Value::as_str).collect::<Option<Vec<_>>>() {
                Some(list) => list,
                None => return false,
            }
        }
        _ => return false,
    };
    match expected {
        Audience::One(aud) => claimed.contains(&aud.as_str()),
        Audience::Many(auds) => auds.iter().any(|aud| claimed.contains(&aud.as_str())),
    }
}

/// simplejwt's `datetime_from_epoch(claim)` comparison: the raw number, not
/// truncated; anything else makes Python crash, which we call invalid.
pub fn epoch_seconds(value: &Value) -> Option<f64> {
    value.as_f64().filter(|f| f.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn payload(value: Value) -> Claims {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    fn jwt() -> JwtSettings {
        JwtSettings::with_signing_key("k")
    }

    #[test]
    fn python_int_follows_python() {
        assert_eq!(python_int(&json!(12)), Some(12.0));
        assert_eq!(python_int(&json!(12.9)), Some(12.0));
        assert_eq!(python_int(&json!(-12.9)), Some(-12.0));
        assert_eq!(python_int(&json!(true)), Some(1.0));
        assert_eq!(python_int(&json!(" 1_000 ")), Some(1000.0));
        assert_eq!(python_int(&json!("1.5")), None);
        assert_eq!(python_int(&json!("abc")), None);
        assert_eq!(python_int(&json!("1__0")), None);
        assert_eq!(python_int(&json!(null)), None);
        assert_eq!(python_int(&json!([1])), None);
        let huge: Value = serde_json::from_str(&format!("1{}", "0".repeat(400))).unwrap();
        assert_eq!(
            python_int(&huge),
            Some(f64::INFINITY),
            "a valid (huge) int in Python"
        );
    }

    #[test]
    fn expiry_is_inclusive_and_leeway_applies() {
        let now = 1000.5;
        let p = |exp: Value| payload(json!({ "exp": exp }));
        assert_eq!(
            validate_registered(&p(json!(1000)), &jwt(), now),
            ClaimsVerdict::Expired
        );
        assert_eq!(
            validate_registered(&p(json!(1001)), &jwt(), now),
            ClaimsVerdict::Valid
        );
        // int(1000.9) == 1000: truncated before the comparison
        assert_eq!(
            validate_registered(&p(json!(1000.9)), &jwt(), now),
            ClaimsVerdict::Expired
        );
        assert_eq!(
            validate_registered(&p(json!(1000)), &jwt(), 1000.0),
            ClaimsVerdict::Expired
        );
        let mut lenient = jwt();
        lenient.leeway = 1.0;
        assert_eq!(
            validate_registered(&p(json!(1000)), &lenient, now),
            ClaimsVerdict::Valid
        );
        assert_eq!(
            validate_registered(&p(json!("x")), &jwt(), now),
            ClaimsVerdict::Invalid
        );
    }

    #[test]
    fn future_iat_or_nbf_is_invalid_and_checked_before_exp() {
        let now = 1000.0;
        let future = payload(json!({"iat": 1001, "exp": 1}));
        assert_eq!(
            validate_registered(&future, &jwt(), now),
            ClaimsVerdict::Invalid
        );
        let nbf = payload(json!({"nbf": 1001}));
        assert_eq!(
            validate_registered(&nbf, &jwt(), now),
            ClaimsVerdict::Invalid
        );
        let ok = payload(json!({"iat": 1000, "nbf": 1000}));
        assert_eq!(validate_registered(&ok, &jwt(), now), ClaimsVerdict::Valid);
    }

    #[test]
    fn audience_and_issuer_when_configured() {
        let mut s = jwt();
        s.audience = Some(Audience::Many(vec!["a".into(), "b".into()]));
        s.issuer = Some("me".into());
        let check = |v: Value| validate_registered(&payload(v), &s, 0.0);
        assert_eq!(
            check(json!({"aud": "b", "iss": "me"})),
            ClaimsVerdict::Valid
        );
        assert_eq!(
            check(json!({"aud": ["x", "a"], "iss": "me"})),
            ClaimsVerdict::Valid
        );
        assert_eq!(
            check(json!({"aud": "x", "iss": "me"})),
            ClaimsVerdict::Invalid
        );
        assert_eq!(check(json!({"iss": "me"})), ClaimsVerdict::Invalid);
        assert_eq!(check(json!({"aud": "a"})), ClaimsVerdict::Invalid);
        assert_eq!(check(json!({"aud": "a", "iss": 5})), ClaimsVerdict::Invalid);
        assert_eq!(
            check(json!({"aud": [1], "iss": "me"})),
            ClaimsVerdict::Invalid
        );
        // not configured: ignored
        let plain = validate_registered(&payload(json!({"aud": 5, "iss": 5})), &jwt(), 0.0);
        assert_eq!(plain, ClaimsVerdict::Valid);
    }

    #[test]
    fn sub_and_jti_must_be_strings() {
        let check = |v: Value| validate_registered(&payload(v), &jwt(), 0.0);
        assert_eq!(check(json!({"sub": 1})), ClaimsVerdict::Invalid);
        assert_eq!(check(json!({"jti": 1})), ClaimsVerdict::Invalid);
        assert_eq!(check(json!({"sub": "1", "jti": "x"})), ClaimsVerdict::Valid);
    }
}
