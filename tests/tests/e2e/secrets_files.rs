//! Secrets from files (`NAME_FILE`): both services started with settings loaded from the
//! environment as Docker secrets give it (`SECRET_KEY_FILE`, `DATABASE_URL_FILE`, the simplejwt
//! keys' files, each file ending with a line ending), then a login and a protected request.

use std::path::PathBuf;
use std::sync::Arc;

use auth_service::AuthSettings;
use tests::app::{
    TEST_ITERATIONS, TEST_SECRET_KEY, TestApp, create_user, protected_settings, testdata,
};
use tests::{Ctx, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![hmac_key_and_database_url_from_files, rsa_keys_from_files,]
}

/// A directory of secret files, removed afterwards (what compose mounts on /run/secrets).
struct Secrets(PathBuf);

impl Secrets {
    fn new() -> Self {
        let dir =
            std::env::temp_dir().join(format!("tp-secrets-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }

    /// Writes `content` to `name`; its path, as a `_FILE` variable holds it.
    fn file(&self, name: &str, content: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, content).expect("write secret file");
        path.display().to_string()
    }
}

impl Drop for Secrets {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn pairs(env: &[(&str, &str)]) -> Vec<(String, String)> {
    env.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// auth-service's settings: the test defaults without SECRET_KEY and DATABASE_URL, plus `env`.
fn auth_settings(env: &[(&str, &str)]) -> AuthSettings {
    let iterations = TEST_ITERATIONS.to_string();
    let mut all = pairs(&[
        ("TOKENPAIR__PBKDF2_ITERATIONS", &iterations),
        ("TOKENPAIR__WORKERS", "1"),
        ("TOKENPAIR__DB_POOL_SIZE", "4"),
    ]);
    all.extend(pairs(env));
    AuthSettings::from_sources(None, all).unwrap_or_else(|e| panic!("auth settings: {e}"))
}

async fn logs_in_and_reaches_the_protected_view(app: &TestApp) -> String {
    create_user(&app.db, "kyoko", "contrasenasegura");
    let (_, access) = app.obtain("kyoko", "contrasenasegura").await;
    app.protected(Some(&format!("Bearer {access}")))
        .await
        .assert(200, r#"{"content":"This view is protected"}"#);
    access
}

async fn hmac_key_and_database_url_from_files(ctx: Arc<Ctx>) {
    let secrets = Secrets::new();
    // As `openssl rand ... > file` and editors leave them: one line ending each.
    let key_file = secrets.file("secret_key", &format!("{TEST_SECRET_KEY}\n"));
    let url_file = secrets.file("database_url", &format!("{}\r\n", ctx.db.url));
    let auth = auth_settings(&[
        ("SECRET_KEY_FILE", &key_file),
        ("DATABASE_URL_FILE", &url_file),
    ]);
    assert_eq!(
        auth.database.url.as_ref().map(|url| url.expose()),
        Some(ctx.db.url.as_str())
    );
    assert!(
        !format!("{auth:?}").contains(TEST_SECRET_KEY),
        "the settings' Debug shows the key"
    );
    let protected = protected_settings(&[("SECRET_KEY_FILE", &key_file)]);
    let app = ctx.app(auth, protected);
    let access = logs_in_and_reaches_the_protected_view(&app).await;

    // The key is the file's content without its newline: a protected-service given the
    // key itself accepts the token too.
    let direct = ctx.spawn_protected(protected_settings(&[("SECRET_KEY", TEST_SECRET_KEY)]));
    let answer = app
        .bearer(
            reqwest::Method::GET,
            &format!("{direct}/protected/"),
            Some(&access),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);

    // Both ways at once is refused, naming both and showing neither.
    let both = AuthSettings::from_sources(
        None,
        pairs(&[
            ("SECRET_KEY", TEST_SECRET_KEY),
            ("SECRET_KEY_FILE", &key_file),
        ]),
    )
    .expect_err("SECRET_KEY and SECRET_KEY_FILE together")
    .to_string();
    assert_eq!(
        both,
        "SECRET_KEY and SECRET_KEY_FILE are both set: set only one"
    );
}

async fn rsa_keys_from_files(ctx: Arc<Ctx>) {
    let secrets = Secrets::new();
    let url_file = secrets.file("database_url", &format!("{}\n", ctx.db.url));
    // PEM files end with a newline; the key is read without it, as simplejwt's would be.
    let private = testdata("rsa2048.pem");
    let public = testdata("rsa2048.pub.pem");
    let auth = auth_settings(&[
        ("SIMPLE_JWT__ALGORITHM", "RS256"),
        ("SIMPLE_JWT__SIGNING_KEY_FILE", &private),
        ("SIMPLE_JWT__VERIFYING_KEY_FILE", &public),
        ("DATABASE_URL_FILE", &url_file),
    ]);
    let protected = protected_settings(&[
        ("SIMPLE_JWT__ALGORITHM", "RS256"),
        ("SIMPLE_JWT__VERIFYING_KEY_FILE", &public),
    ]);
    assert!(protected.jwt.signing_key.is_empty());
    let app = ctx.app(auth, protected);
    logs_in_and_reaches_the_protected_view(&app).await;
}
