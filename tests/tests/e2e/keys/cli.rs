//! `auth-service keys generate`: a pair both services start with, whose kid is the one
//! printed, the tokens carry and the JWKS publishes; files owner-only, never overwritten.

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;

use auth_service::cli::KeyAlgorithm;
use auth_service::commands::keys::generate_pair;
use tests::Ctx;

use super::{
    PASSWORD, USERNAME, auth_settings, ensure_user, header, opens_protected, protected_settings,
};

pub async fn generated_pair_serves_and_publishes_its_kid(ctx: Arc<Ctx>) {
    ensure_user(&ctx);
    let dir = std::env::temp_dir().join(format!("tp-keys-{}", uuid::Uuid::new_v4().simple()));
    // RS256 too would take minutes in a debug build: its generation is the rsa crate's.
    for (algorithm, name) in [
        (KeyAlgorithm::EdDSA, "EdDSA"),
        (KeyAlgorithm::ES256, "ES256"),
    ] {
        let out = dir.join(name);
        let kid = generate_pair(algorithm, None, &out).expect("generate");
        let mode = |file: &str| {
            std::fs::metadata(out.join(file))
                .expect("key file")
                .permissions()
                .mode()
                & 0o777
        };
        assert_eq!(mode("signing.pem"), 0o600);
        assert_eq!(mode("verifying.pem"), 0o644);
        let signing = std::fs::read_to_string(out.join("signing.pem")).expect("read");
        assert!(
            signing.starts_with("-----BEGIN PRIVATE KEY-----\n"),
            "PKCS#8"
        );
        // a second run refuses, and leaves the key as it was
        let again = generate_pair(algorithm, None, &out).expect_err("overwrote a key");
        assert!(again.contains("refusing to overwrite"), "{again}");
        assert_eq!(
            std::fs::read_to_string(out.join("signing.pem")).expect("read"),
            signing
        );
        assert!(generate_pair(algorithm, Some(2048), &dir.join("bits")).is_err());

        let public = std::fs::read_to_string(out.join("verifying.pem")).expect("read");
        let alg = ("SIMPLE_JWT__ALGORITHM", name);
        let app = ctx.app(
            auth_settings(
                &ctx,
                &[
                    alg,
                    ("SIMPLE_JWT__SIGNING_KEY", &signing),
                    ("SIMPLE_JWT__VERIFYING_KEY", &public),
                ],
            ),
            protected_settings(&[alg, ("SIMPLE_JWT__VERIFYING_KEY", &public)]),
        );
        let (_, access) = app.obtain(USERNAME, PASSWORD).await;
        assert_eq!(header(&access)["kid"], kid.as_str());
        opens_protected(&app, &access).await;
        let jwks = app
            .get(&format!("{}/.well-known/jwks.json", app.auth))
            .await;
        assert_eq!(jwks.json()["keys"][0]["kid"], kid.as_str());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
