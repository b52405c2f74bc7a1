use actix_web::test::TestRequest;
use serde_json::json;

use super::*;
use crate::settings::JwtSettings;

const KEY: &str = "auth-unit-test-key-0123456789abcdef";

fn authenticator() -> (Authenticator, TokenBackend) {
    let jwt = JwtSettings::with_signing_key(KEY);
    let verifier = TokenBackend::for_verifying(jwt.clone()).unwrap();
    let signer = TokenBackend::for_signing(jwt).unwrap();
    (Authenticator::new(Arc::new(verifier)), signer)
}

fn request(token: &str) -> HttpRequest {
    TestRequest::get()
        .insert_header(("Authorization", format!("Bearer {token}")))
        .to_http_request()
}

#[test]
fn token_user_reads_the_claims_it_was_not_asked_to_check() {
    let (auth, signer) = authenticator();
    let mut payload = signer.for_user(TokenClass::Access, "7", None, now());
    payload.insert("username".into(), json!("ana"));
    payload.insert("roles".into(), json!(["a", {"b": 1}]));
    let token = signer.encode(&payload).unwrap();
    let user = auth.token_user(&request(&token)).unwrap();
    assert_eq!(user.user_id, json!("7"));
    assert_eq!(user.class, TokenClass::Access);
    assert_eq!(user.username(), "ana");
    assert_eq!(user.claim("roles"), Some(&json!(["a", {"b": 1}])));
    assert_eq!(user.claims(), &payload, "every claim, in order");
    // the stateless path and the map path agree
    let validated = auth.authenticate(&request(&token)).unwrap().unwrap();
    assert_eq!(validated.payload, payload);
    assert_eq!(validated.class, user.class);
}

#[test]
fn token_user_refuses_as_the_map_path_does() {
    let (auth, signer) = authenticator();
    let now = now();
    let mut no_user = signer.new_token(TokenClass::Access, now);
    no_user.insert("sub".into(), json!("x"));
    let mut wrong_type = signer.for_user(TokenClass::Refresh, "1", None, now);
    wrong_type.insert("extra".into(), json!({"deep": [1]}));
    let mut expired = signer.for_user(TokenClass::Access, "1", None, now - 1000.0);
    expired.insert("iat".into(), json!(1));
    let mut bad_jti = signer.for_user(TokenClass::Access, "1", None, now);
    bad_jti.insert("jti".into(), json!(5));
    for payload in [no_user, wrong_type, expired, bad_jti] {
        let token = signer.encode(&payload).unwrap();
        let picked = auth.token_user(&request(&token)).unwrap_err();
        let mapped = auth
            .authenticate(&request(&token))
            .and_then(|t| {
                t.and_then(|t| t.payload.get("user_id").cloned())
                    .ok_or_else(|| {
                        auth.challenge(ApiError::token_not_valid(
                            "Token contained no recognizable user identification",
                        ))
                    })
            })
            .unwrap_err();
        assert_eq!(picked.status(), mapped.status(), "{payload:?}");
        assert_eq!(picked.body(), mapped.body(), "{payload:?}");
    }
    let forged = format!(
        "{}x",
        signer
            .encode(&signer.new_token(TokenClass::Access, now))
            .unwrap()
    );
    assert_eq!(
        auth.token_user(&request(&forged)).unwrap_err().status(),
        StatusCode::UNAUTHORIZED
    );
}

#[test]
fn token_user_reads_the_access_cookie_through_the_same_checks() {
    use super::cookie::ACCESS_COOKIE;
    use actix_web::http::header::COOKIE;

    let (auth, signer) = authenticator();
    let token = signer
        .encode(&signer.for_user(TokenClass::Access, "7", None, now()))
        .unwrap();
    let cookie = format!("other=1; {ACCESS_COOKIE}={token}");
    let get = || TestRequest::get().insert_header((COOKIE, cookie.clone()));
    // not read unless cookie mode reads the access cookie
    let off = auth.token_user(&get().to_http_request()).unwrap_err();
    assert_eq!(off.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        off.body(),
        auth.challenge(ApiError::not_authenticated()).body()
    );

    let auth = auth.with_access_cookie(Some(Arc::from([])));
    let user = auth.token_user(&get().to_http_request()).unwrap();
    assert_eq!(user.user_id, json!("7"));
    assert_eq!(
        auth.authenticate(&get().to_http_request())
            .unwrap()
            .unwrap()
            .class,
        TokenClass::Access
    );
    // a header, even another scheme's, is the request's answer: the cookie is not read
    let basic = get()
        .insert_header(("Authorization", "Basic dXNlcjpwdw=="))
        .to_http_request();
    assert_eq!(
        auth.token_user(&basic).unwrap_err().body(),
        auth.challenge(ApiError::not_authenticated()).body()
    );
    // an unsafe method with the cookie needs an Origin (CSRF), before the token is looked at
    let post = TestRequest::post()
        .insert_header((COOKIE, format!("{ACCESS_COOKIE}=not.a.token")))
        .to_http_request();
    let refused = auth.token_user(&post).unwrap_err();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        refused.detail_text(),
        Some("CSRF Failed: Origin checking failed - no Origin.")
    );
    // a bad cookie token gets the header's answer
    let forged = TestRequest::get()
        .insert_header((COOKIE, format!("{ACCESS_COOKIE}={token}x")))
        .to_http_request();
    let forged = auth.token_user(&forged).unwrap_err();
    let via_header = auth.token_user(&request(&format!("{token}x"))).unwrap_err();
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(forged.body(), via_header.body());
}
