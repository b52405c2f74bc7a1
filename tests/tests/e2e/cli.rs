//! The admin commands on both engines: createsuperuser as Django does it,
//! hashes in Django's format at Django 6.1's default cost, migrate and check.

use std::sync::Arc;

use auth_service::cli::Command;
use auth_service::commands;
use tests::{Ctx, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![
        createsuperuser_noinput_like_django,
        migrate_is_idempotent_and_check_passes
    ]
}

/// `auth-service ARGS` in a process of its own, with only `env` (and PATH) in its
/// environment, as a deployment script runs it: (success, stdout, stderr).
pub async fn auth_service(args: &[&str], env: &[(&str, &str)]) -> (bool, String, String) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_auth-service-cli"));
    command.args(args).env_clear().envs(env.iter().copied());
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    let output = tokio::task::spawn_blocking(move || command.output())
        .await
        .expect("join")
        .expect("run auth-service");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

async fn createsuperuser_noinput_like_django(ctx: Arc<Ctx>) {
    // no PBKDF2_ITERATIONS override: the real default
    let db = [
        ("SECRET_KEY", tests::app::TEST_SECRET_KEY),
        ("DATABASE_URL", ctx.db.url.as_str()),
    ];
    let settings = auth_service::AuthSettings::from_sources(
        None,
        db.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    )
    .unwrap();
    assert_eq!(settings.hashing.pbkdf2_iterations, 1_500_000);
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut env = db.to_vec();
        env.extend_from_slice(extra);
        env
    };
    let django_env = with(&[
        ("DJANGO_SUPERUSER_USERNAME", "admin"),
        ("DJANGO_SUPERUSER_EMAIL", "admin@Example.COM"),
        ("DJANGO_SUPERUSER_PASSWORD", "contrasenasegura"),
    ]);
    let created = auth_service(&["createsuperuser", "--noinput"], &django_env).await;
    assert_eq!(
        created,
        (
            true,
            "Superuser created successfully.\n".to_owned(),
            String::new()
        )
    );
    let created = auth_service(
        &[
            "createuser",
            "--noinput",
            "--username",
            "kyoko",
            "--email",
            "k@example.com",
        ],
        &django_env,
    )
    .await;
    assert_eq!(
        created,
        (
            true,
            "User created successfully.\n".to_owned(),
            String::new()
        )
    );
    let unusable = auth_service(
        &[
            "createuser",
            "--noinput",
            "--username",
            "nopass",
            "--email",
            "n@example.com",
        ],
        &with(&[]),
    )
    .await;
    assert!(unusable.0, "{unusable:?}");
    let taken = auth_service(
        &[
            "createsuperuser",
            "--noinput",
            "--username",
            "admin",
            "--email",
            "a@example.com",
        ],
        &with(&[]),
    )
    .await;
    assert_eq!(
        (taken.0, taken.2.as_str()),
        (false, "Error: That username is already taken.\n")
    );
    let no_email = auth_service(
        &["createsuperuser", "--noinput", "--username", "x"],
        &with(&[]),
    )
    .await;
    assert_eq!(
        (no_email.0, no_email.2.as_str()),
        (
            false,
            "CommandError: You must use --email with --noinput.\n"
        )
    );

    let app = ctx.spawn(&[]);
    let admin = app.user("admin").expect("admin");
    assert!(admin.is_superuser && admin.is_staff && admin.is_active);
    assert_eq!(
        admin.email, "admin@example.com",
        "domain normalised like Django"
    );
    let kyoko = app.user("kyoko").expect("kyoko");
    assert!(!kyoko.is_superuser && !kyoko.is_staff);
    let parts: Vec<&str> = admin.password.split('$').collect();
    assert_eq!(
        parts[..2],
        ["pbkdf2_sha256", "1500000"],
        "{}",
        admin.password
    );
    assert!(parts[2].len() == 22 && parts[2].chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(parts[3].len(), 44);
    let nopass = app.user("nopass").expect("nopass");
    assert!(nopass.password.starts_with('!') && nopass.password.len() == 41);
    app.obtain("admin", "contrasenasegura").await;
    app.post_form("/api/token/", &[("username", "nopass"), ("password", "!")])
        .await
        .assert_401(r#"{"detail":"No active account found with the given credentials"}"#);
}

async fn migrate_is_idempotent_and_check_passes(ctx: Arc<Ctx>) {
    let settings = ctx.settings(&[]);
    tokio::task::spawn_blocking(move || {
        commands::run(Command::Migrate, settings.clone())?;
        commands::run(Command::Check, settings)
    })
    .await
    .unwrap()
    .expect("migrate then check");
}
