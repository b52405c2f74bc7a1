//! `SIMPLE_JWT__JWK_URL`: a protected-service holding no key verifies RS256 tokens with the keys
//! of a JWKS it fetches from a test server (`tests::jwks_server`) that the test changes,
//! breaks and stops: tokens named by `kid`, one fetch per cooldown however many unknown
//! `kid`s arrive, cached keys kept through an outage and through answers that are no JWKS, and
//! a start with the endpoint down (not ready, 503) that heals once it answers.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, crypto};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tests::jwks_server::JwksServer;
use tests::tokens::{forge, now};
use tests::{Answer, Ctx, TestApp, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![
        a_service_with_only_jwk_url_verifies_by_kid,
        unknown_kids_cost_one_fetch_per_cooldown,
        cached_keys_survive_outages_and_bad_answers,
        starts_not_ready_until_the_jwks_answers,
    ]
}

const KEY_A: &str = include_str!("rsa2048a.pem");
const KEY_B: &str = include_str!("rsa2048b.pem");

const UNAVAILABLE: &str = r#"{"detail":"Service temporarily unavailable, try again later."}"#;
const NOT_READY: &str = r#"{"detail":"Not ready: no key set fetched from JWK_URL yet."}"#;
const PROTECTED: &str = r#"{"content":"This view is protected"}"#;

/// The public JWK of a PEM private key, named `kid`.
fn jwk(pem: &str, kid: &str) -> Value {
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("PEM");
    let mut jwk =
        serde_json::to_value(Jwk::from_encoding_key(&key, Algorithm::RS256).expect("jwk"))
            .expect("JSON");
    jwk["kid"] = json!(kid);
    jwk["use"] = json!("sig");
    jwk
}

fn jwks(keys: &[(&str, &str)]) -> String {
    let keys: Vec<Value> = keys.iter().map(|(pem, kid)| jwk(pem, kid)).collect();
    json!({ "keys": keys }).to_string()
}

/// An access token for user 1 signed RS256 with `pem`, `kid` in its header when given.
fn token(pem: &str, kid: Option<&str>) -> String {
    let header = match kid {
        Some(kid) => json!({"alg": "RS256", "kid": kid, "typ": "JWT"}),
        None => json!({"alg": "RS256", "typ": "JWT"}),
    };
    let now = now();
    let payload = json!({"token_type": "access", "exp": now + 300, "iat": now,
        "jti": uuid::Uuid::new_v4().simple().to_string(), "user_id": "1"});
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let key = EncodingKey::from_rsa_pem(pem.as_bytes()).expect("PEM");
    let signature = crypto::sign(input.as_bytes(), &key, Algorithm::RS256).expect("sign");
    format!("{input}.{signature}")
}

/// A protected-service with RS256, `JWK_URL` and no key at all (`SECRET_KEY` empty), plus
/// `extra`; its URL.
fn protected_with_jwk_url(ctx: &Ctx, url: &str, extra: &[(&str, &str)]) -> String {
    let mut env = vec![
        ("SECRET_KEY", ""),
        ("SIMPLE_JWT__ALGORITHM", "RS256"),
        ("SIMPLE_JWT__JWK_URL", url),
    ];
    env.extend_from_slice(extra);
    let settings = ctx.settings(&env);
    let shared: &shared::Settings = settings.as_ref();
    assert!(shared.jwt.signing_key.is_empty() && shared.jwt.verifying_key.is_none());
    ctx.spawn_protected(settings)
}

/// A client for `base`: the typed helpers of [`TestApp`] work against one service.
fn client_for(ctx: &Ctx, base: &str) -> TestApp {
    TestApp {
        auth: String::new(),
        protected: base.to_owned(),
        client: tests::app::client(),
        db: ctx.db.clone(),
        settings: ctx.settings(&[]),
    }
}

async fn bearer(app: &TestApp, token: &str) -> Answer {
    app.protected(Some(&format!("Bearer {token}"))).await
}

/// Polls `/readyz` until 200 (or `within` passes); whether it got there.
async fn wait_ready(app: &TestApp, within: Duration) -> bool {
    let deadline = Instant::now() + within;
    loop {
        if app.get(&format!("{}/readyz", app.protected)).await.status == 200 {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn metrics(app: &TestApp) -> String {
    app.get(&format!("{}/metrics", app.protected)).await.text
}

/// The value of `tokenpair_jwks_fetch_total{outcome=...}` (0 when absent).
fn fetches(metrics: &str, outcome: &str) -> u64 {
    let prefix = format!("tokenpair_jwks_fetch_total{{outcome=\"{outcome}\"");
    metrics
        .lines()
        .find(|line| line.starts_with(&prefix))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

async fn a_service_with_only_jwk_url_verifies_by_kid(ctx: Arc<Ctx>) {
    let server = JwksServer::start(&jwks(&[(KEY_A, "a")])).await;
    let base = protected_with_jwk_url(&ctx, &server.url(), &[]);
    let app = client_for(&ctx, &base);
    assert!(
        wait_ready(&app, Duration::from_secs(10)).await,
        "never ready"
    );

    bearer(&app, &token(KEY_A, Some("a")))
        .await
        .assert(200, PROTECTED);
    let invalid = r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is invalid"}]}"#;
    // No kid: no key of a set can be chosen (PyJWKClient refuses it too).
    bearer(&app, &token(KEY_A, None)).await.assert_401(invalid);
    // The right kid, the wrong key.
    bearer(&app, &token(KEY_B, Some("a")))
        .await
        .assert_401(invalid);
    // The HMAC secret the other tests share means nothing here (no algorithm confusion).
    let hs256 =
        forge(&json!({"token_type": "access", "exp": now() + 300, "jti": "x", "user_id": "1"}));
    bearer(&app, &hs256).await.assert_401(invalid);
    assert_eq!(fetches(&metrics(&app).await, "ok"), 1);
}

async fn unknown_kids_cost_one_fetch_per_cooldown(ctx: Arc<Ctx>) {
    let cooldown = Duration::from_secs(5);
    let server = JwksServer::start(&jwks(&[(KEY_A, "a")])).await;
    let base = protected_with_jwk_url(
        &ctx,
        &server.url(),
        &[
            ("TOKENPAIR__JWKS_COOLDOWN", "5s"),
            ("TOKENPAIR__JWKS_REFRESH", "1h"),
        ],
    );
    let app = client_for(&ctx, &base);
    assert!(
        wait_ready(&app, Duration::from_secs(10)).await,
        "never ready"
    );
    assert_eq!(server.hits(), 1);

    // auth-service introduces key b; a token signed with it arrives before this service
    // fetched again: 401 at once (no request waits for a fetch), and a fetch is due.
    server.serve(200, jwks(&[(KEY_A, "a"), (KEY_B, "b")]));
    let b = token(KEY_B, Some("b"));
    // Forged kids, made beforehand so that the flood is quick: the kid is looked up before
    // the signature is checked, so one signature serves them all.
    let signature = b.rsplit('.').next().unwrap_or_default();
    let forged: Vec<String> = (0..200)
        .map(|i| {
            let header = json!({"alg": "RS256", "kid": format!("forged-{i}"), "typ": "JWT"});
            let payload = b.split('.').nth(1).unwrap_or_default();
            format!(
                "{}.{payload}.{signature}",
                URL_SAFE_NO_PAD.encode(header.to_string())
            )
        })
        .collect();
    let started = Instant::now();
    assert_eq!(bearer(&app, &b).await.status, 401);
    for token in &forged {
        assert_eq!(bearer(&app, token).await.status, 401);
    }
    let flood = started.elapsed();
    let during = server.hits() - 1;
    // The one fetch they asked for comes at the end of the cooldown and brings key b.
    assert!(
        server.wait_for_hits(2, cooldown * 3).await >= 2,
        "no fetch for unknown kids"
    );
    bearer(&app, &b).await.assert(200, PROTECTED);
    tokio::time::sleep(cooldown + Duration::from_secs(1)).await;
    // At most one fetch per cooldown the flood lasted: exactly one when it lasted less than
    // one cooldown (on a machine too loaded for that, the bound is what is checked).
    let allowed = 1 + (flood.as_secs_f64() / cooldown.as_secs_f64()).floor() as usize;
    let extra = server.hits() - 1;
    assert!(
        (1..=allowed).contains(&extra) && during < allowed,
        "{extra} fetches ({during} during the flood) for 201 unknown kids in {flood:?} \
         (cooldown {cooldown:?})"
    );
    if flood < cooldown {
        assert_eq!(extra, 1);
    }
    bearer(&app, &token(KEY_A, Some("a")))
        .await
        .assert(200, PROTECTED);
}

async fn cached_keys_survive_outages_and_bad_answers(ctx: Arc<Ctx>) {
    let mut server = JwksServer::start(&jwks(&[(KEY_A, "a")])).await;
    let base = protected_with_jwk_url(
        &ctx,
        &server.url(),
        &[
            ("TOKENPAIR__JWKS_COOLDOWN", "1s"),
            ("TOKENPAIR__JWKS_REFRESH", "1s"),
        ],
    );
    let app = client_for(&ctx, &base);
    assert!(
        wait_ready(&app, Duration::from_secs(10)).await,
        "never ready"
    );
    let a = token(KEY_A, Some("a"));

    // The endpoint goes away: the keys fetched before keep working, the service stays ready.
    server.stop();
    let deadline = Instant::now() + Duration::from_secs(15);
    while fetches(&metrics(&app).await, "unreachable") < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        fetches(&metrics(&app).await, "unreachable") >= 2,
        "{}",
        metrics(&app).await
    );
    bearer(&app, &a).await.assert(200, PROTECTED);
    app.get(&format!("{base}/readyz"))
        .await
        .assert(200, r#"{"status":"ready"}"#);

    // It comes back with answers that are no usable JWKS: refused, the old keys kept.
    let answers: [(u16, Vec<u8>, &str); 4] = [
        (200, b"<html>oops</html>".to_vec(), "invalid"),
        (
            200,
            br#"{"keys":[{"kty":"oct","kid":"a","k":"c2VjcmV0"}]}"#.to_vec(),
            "invalid",
        ),
        (200, vec![b' '; 300 * 1024], "too_large"),
        (500, b"{}".to_vec(), "http_error"),
    ];
    server.resume().await;
    for (status, body, outcome) in answers {
        server.serve(status, body);
        let before = server.hits();
        server
            .wait_for_hits(before + 2, Duration::from_secs(15))
            .await;
        assert!(fetches(&metrics(&app).await, outcome) >= 1, "{outcome}");
        bearer(&app, &a).await.assert(200, PROTECTED);
    }

    // A new set replaces the old one whole: key a retired, key b in.
    server.serve(200, jwks(&[(KEY_B, "b")]));
    let b = token(KEY_B, Some("b"));
    let deadline = Instant::now() + Duration::from_secs(15);
    while bearer(&app, &b).await.status != 200 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bearer(&app, &b).await.assert(200, PROTECTED);
    assert_eq!(bearer(&app, &a).await.status, 401);
}

async fn starts_not_ready_until_the_jwks_answers(ctx: Arc<Ctx>) {
    let mut server = JwksServer::stopped(&jwks(&[(KEY_A, "a")]));
    let base = protected_with_jwk_url(&ctx, &server.url(), &[("TOKENPAIR__JWKS_COOLDOWN", "1s")]);
    let app = client_for(&ctx, &base);
    let a = token(KEY_A, Some("a"));

    // Serving, not ready: the probe and token requests say so; nothing else changes.
    tokio::time::sleep(Duration::from_millis(600)).await;
    app.get(&format!("{base}/healthz"))
        .await
        .assert(200, r#"{"status":"ok"}"#);
    app.get(&format!("{base}/readyz"))
        .await
        .assert(503, NOT_READY);
    let unavailable = bearer(&app, &a).await;
    unavailable.assert(503, UNAVAILABLE);
    assert_eq!(unavailable.header("retry-after"), Some("1"));
    let anonymous = app.protected(None).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.text);

    // The endpoint appears: ready within the backoff (capped at the 1 s cooldown).
    server.resume().await;
    assert!(
        wait_ready(&app, Duration::from_secs(10)).await,
        "not ready after the JWKS appeared"
    );
    bearer(&app, &a).await.assert(200, PROTECTED);
}
