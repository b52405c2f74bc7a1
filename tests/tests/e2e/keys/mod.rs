//! Keys (README "Keys"): every algorithm issued by auth-service and verified by a
//! protected-service holding only the public key (and by PyJWT), the `kid`, the JWKS, the
//! `keys` CLI, and rotation without logouts (introduce, switch, retire).

use std::sync::Arc;

use auth_service::AuthSettings;
use tests::app::{TEST_ITERATIONS, create_user, protected_settings};
use tests::{Ctx, TestApp, e2e, e2e_django, harness::E2e};

mod algorithms;
mod cli;
mod rotation;

pub fn tests() -> Vec<E2e> {
    let mut tests = e2e_django![algorithms::every_algorithm_end_to_end_and_in_pyjwt];
    tests.extend(e2e![
        algorithms::public_key_as_hmac_secret_is_refused,
        cli::generated_pair_serves_and_publishes_its_kid,
        rotation::introduce_switch_retire_without_logouts,
        rotation::hmac_rotation_with_a_previous_secret,
    ]);
    tests
}

/// 64 bytes: long enough for HS512.
const HMAC_KEY: &str = "keys-e2e-hmac-secret-0123456789abcdef-0123456789abcdef-0123456789";
const USERNAME: &str = "kyoko";
const PASSWORD: &str = "contrasenasegura";

/// The content of a key file of the shared crate's test data.
fn testdata(name: &str) -> String {
    let path = tests::app::testdata(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// auth-service's settings: the test database, then `env` (no `SECRET_KEY` unless given).
fn auth_settings(ctx: &Ctx, env: &[(&str, &str)]) -> AuthSettings {
    let iterations = TEST_ITERATIONS.to_string();
    let mut all = vec![
        ("DATABASE_URL".to_owned(), ctx.db.url.clone()),
        ("TOKENPAIR__PBKDF2_ITERATIONS".to_owned(), iterations),
        ("TOKENPAIR__WORKERS".to_owned(), "1".to_owned()),
        ("TOKENPAIR__DB_POOL_SIZE".to_owned(), "4".to_owned()),
    ];
    all.extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    AuthSettings::from_sources(None, all).unwrap_or_else(|e| panic!("auth settings: {e}"))
}

/// The decoded JSON header of a token.
fn header(token: &str) -> serde_json::Value {
    use base64::Engine;
    let segment = token.split('.').next().expect("header");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .expect("base64url header");
    serde_json::from_slice(&bytes).expect("JSON header")
}

async fn opens_protected(app: &TestApp, access: &str) {
    app.protected(Some(&format!("Bearer {access}")))
        .await
        .assert(200, r#"{"content":"This view is protected"}"#);
}

async fn refused_by_protected(app: &TestApp, access: &str) {
    let answer = app.protected(Some(&format!("Bearer {access}"))).await;
    assert_eq!(answer.status, 401, "{}", answer.text);
    assert_eq!(answer.json()["messages"][0]["message"], "Token is invalid");
}

fn ensure_user(ctx: &Arc<Ctx>) {
    create_user(&ctx.db, USERNAME, PASSWORD);
}
