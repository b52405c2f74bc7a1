//! Rotation without logouts, step by step as README "Keys" tells it: introduce the new key
//! (accepted everywhere, published), switch signing to it (the old one in
//! `TOKENPAIR__PREVIOUS_VERIFYING_KEYS`), retire the old one. Every token valid at a step
//! stays valid through the next, until the old key is retired.

use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use tests::{Ctx, TestApp};

use super::{
    HMAC_KEY, PASSWORD, USERNAME, auth_settings, ensure_user, header, opens_protected,
    protected_settings, refused_by_protected, testdata,
};

/// The same test database and client, other service URLs (a "restarted" service is a new
/// one with new settings; its clients are pointed at it).
fn at(app: &TestApp, auth: Option<String>, protected: Option<String>) -> TestApp {
    TestApp {
        auth: auth.unwrap_or_else(|| app.auth.clone()),
        protected: protected.unwrap_or_else(|| app.protected.clone()),
        client: app.client.clone(),
        db: app.db.clone(),
        settings: app.settings.clone(),
    }
}

async fn jwks_kids(app: &TestApp) -> Vec<Value> {
    let answer = app
        .get(&format!("{}/.well-known/jwks.json", app.auth))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json()["keys"]
        .as_array()
        .map(|keys| keys.iter().map(|k| k["kid"].clone()).collect())
        .unwrap_or_default()
}

async fn refresh(app: &TestApp, refresh: &str) -> tests::Answer {
    app.post_form("/api/token/refresh/", &[("refresh", refresh)])
        .await
}

pub async fn introduce_switch_retire_without_logouts(ctx: Arc<Ctx>) {
    ensure_user(&ctx);
    let alg = ("SIMPLE_JWT__ALGORITHM", "EdDSA");
    let (private_a, public_a) = (testdata("ed25519.pem"), testdata("ed25519.pub.pem"));
    let (private_b, public_b) = (testdata("ed25519-b.pem"), testdata("ed25519-b.pub.pem"));
    let file_b = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .join("shared/src/tokens/testdata/ed25519-b.pub.pem")
        .display()
        .to_string();

    // (a) key A everywhere; a user logs in
    let a = ctx.app(
        auth_settings(
            &ctx,
            &[
                alg,
                ("SIMPLE_JWT__SIGNING_KEY", &private_a),
                ("SIMPLE_JWT__VERIFYING_KEY", &public_a),
            ],
        ),
        protected_settings(&[alg, ("SIMPLE_JWT__VERIFYING_KEY", &public_a)]),
    );
    let (refresh_a, access_a) = a.obtain(USERNAME, PASSWORD).await;
    let kid_a = header(&access_a)["kid"].clone();
    assert!(kid_a.is_string());
    opens_protected(&a, &access_a).await;
    assert_eq!(jwks_kids(&a).await, std::slice::from_ref(&kid_a));

    // (b1) introduce B: resource services accept it (here from a _FILE), auth-service
    // publishes it after A, both still sign with A
    let introduced = at(
        &a,
        Some(ctx.spawn_auth(auth_settings(
            &ctx,
            &[
                alg,
                ("SIMPLE_JWT__SIGNING_KEY", &private_a),
                ("SIMPLE_JWT__VERIFYING_KEY", &public_a),
                ("TOKENPAIR__PREVIOUS_VERIFYING_KEYS", &public_b),
            ],
        ))),
        Some(ctx.spawn_protected(protected_settings(&[
            alg,
            ("SIMPLE_JWT__VERIFYING_KEY", &public_a),
            ("TOKENPAIR__PREVIOUS_VERIFYING_KEYS_FILE", &file_b),
        ]))),
    );
    let kids = jwks_kids(&introduced).await;
    assert_eq!(kids.len(), 2);
    assert_eq!(kids[0], kid_a);
    let kid_b = kids[1].clone();
    assert_ne!(kid_a, kid_b);
    opens_protected(&introduced, &access_a).await;

    // (b2) switch: auth-service signs with B, A kept as previous (a JSON array here)
    let previous_a = serde_json::to_string(&[&public_a]).expect("JSON");
    let switched = at(
        &introduced,
        Some(ctx.spawn_auth(auth_settings(
            &ctx,
            &[
                alg,
                ("SIMPLE_JWT__SIGNING_KEY", &private_b),
                ("SIMPLE_JWT__VERIFYING_KEY", &public_b),
                ("TOKENPAIR__PREVIOUS_VERIFYING_KEYS", &previous_a),
            ],
        ))),
        None,
    );
    assert_eq!(jwks_kids(&switched).await, [kid_b.clone(), kid_a.clone()]);
    // tokens signed with A: still refresh, verify and open /protected/
    let refreshed = refresh(&switched, &refresh_a).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    let access_from_a = refreshed.field("access");
    assert_eq!(header(&access_from_a)["kid"], kid_b);
    opens_protected(&switched, &access_from_a).await;
    opens_protected(&switched, &access_a).await;
    switched
        .post_form("/api/token/verify/", &[("token", access_a.as_str())])
        .await
        .assert(200, "{}");
    // new logins carry B's kid
    let (refresh_b, access_b) = switched.obtain(USERNAME, PASSWORD).await;
    assert_eq!(header(&access_b)["kid"], kid_b);
    opens_protected(&switched, &access_b).await;

    // (c) retire A everywhere
    let retired = at(
        &switched,
        Some(ctx.spawn_auth(auth_settings(
            &ctx,
            &[
                alg,
                ("SIMPLE_JWT__SIGNING_KEY", &private_b),
                ("SIMPLE_JWT__VERIFYING_KEY", &public_b),
            ],
        ))),
        Some(ctx.spawn_protected(protected_settings(&[
            alg,
            ("SIMPLE_JWT__VERIFYING_KEY", &public_b),
        ]))),
    );
    assert_eq!(jwks_kids(&retired).await, std::slice::from_ref(&kid_b));
    refused_by_protected(&retired, &access_a).await;
    let stale = refresh(&retired, &refresh_a).await;
    assert_eq!(stale.status, 401, "{}", stale.text);
    assert_eq!(stale.json()["code"], "token_not_valid");
    opens_protected(&retired, &access_b).await;
    opens_protected(&retired, &access_from_a).await;
    let fresh = refresh(&retired, &refresh_b).await;
    assert_eq!(fresh.status, 200, "{}", fresh.text);
}

pub async fn hmac_rotation_with_a_previous_secret(ctx: Arc<Ctx>) {
    ensure_user(&ctx);
    let old = HMAC_KEY;
    let new = "keys-e2e-the-new-hmac-secret-after-rotation-0123456789";

    // (a) the old secret everywhere
    let a = ctx.app(
        auth_settings(&ctx, &[("SECRET_KEY", old)]),
        protected_settings(&[("SECRET_KEY", old)]),
    );
    let (refresh_old, access_old) = a.obtain(USERNAME, PASSWORD).await;
    opens_protected(&a, &access_old).await;

    // (b1) introduce: verifiers accept the new secret too
    let introduced = at(
        &a,
        None,
        Some(ctx.spawn_protected(protected_settings(&[
            ("SECRET_KEY", old),
            ("TOKENPAIR__PREVIOUS_VERIFYING_KEYS", new),
        ]))),
    );
    opens_protected(&introduced, &access_old).await;

    // (b2) switch: auth-service signs with the new secret, the old one previous
    let switched = at(
        &introduced,
        Some(ctx.spawn_auth(auth_settings(
            &ctx,
            &[
                ("SECRET_KEY", new),
                ("TOKENPAIR__PREVIOUS_VERIFYING_KEYS", old),
            ],
        ))),
        None,
    );
    // never published
    switched
        .get(&format!("{}/.well-known/jwks.json", switched.auth))
        .await
        .assert(200, r#"{"keys":[]}"#);
    let refreshed = refresh(&switched, &refresh_old).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.text);
    let access_new = refreshed.field("access");
    // simplejwt's header: no kid
    assert_eq!(
        header(&access_new),
        serde_json::json!({"alg": "HS256", "typ": "JWT"})
    );
    opens_protected(&switched, &access_new).await;
    opens_protected(&switched, &access_old).await;

    // (c) retire the old secret
    let retired = at(
        &switched,
        Some(ctx.spawn_auth(auth_settings(&ctx, &[("SECRET_KEY", new)]))),
        Some(ctx.spawn_protected(protected_settings(&[("SECRET_KEY", new)]))),
    );
    refused_by_protected(&retired, &access_old).await;
    let stale = refresh(&retired, &refresh_old).await;
    assert_eq!(stale.status, 401, "{}", stale.text);
    opens_protected(&retired, &access_new).await;
}
