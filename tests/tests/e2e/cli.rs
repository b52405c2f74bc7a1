//! The admin commands on both engines: createsuperuser as Django does it,
//! hashes in Django's format at Django 6.1's default cost, migrate and check.

use std::collections::HashMap;
use std::sync::Arc;

use auth_service::cli::{Command, CreateUserArgs};
use auth_service::commands::{self, users::create_user};
use tests::{Ctx, e2e, harness::E2e};

pub fn tests() -> Vec<E2e> {
    e2e![
        createsuperuser_noinput_like_django,
        migrate_is_idempotent_and_check_passes
    ]
}

fn args(username: Option<&str>, email: Option<&str>) -> CreateUserArgs {
    CreateUserArgs {
        noinput: true,
        username: username.map(str::to_owned),
        email: email.map(str::to_owned),
    }
}

async fn createsuperuser_noinput_like_django(ctx: Arc<Ctx>) {
    // no PBKDF2_ITERATIONS override: the real default
    let settings = auth_service::AuthSettings::from_sources(
        None,
        [
            (
                "SECRET_KEY".to_owned(),
                tests::app::TEST_SECRET_KEY.to_owned(),
            ),
            ("DATABASE_URL".to_owned(), ctx.db.url.clone()),
        ],
    )
    .unwrap();
    assert_eq!(settings.hashing.pbkdf2_iterations, 1_500_000);
    let env: HashMap<&str, &str> = HashMap::from([
        ("DJANGO_SUPERUSER_USERNAME", "admin"),
        ("DJANGO_SUPERUSER_EMAIL", "admin@Example.COM"),
        ("DJANGO_SUPERUSER_PASSWORD", "contrasenasegura"),
    ]);
    let lookup = move |k: &str| env.get(k).map(|v| (*v).to_owned());
    let (s, l) = (settings.clone(), lookup.clone());
    tokio::task::spawn_blocking(move || create_user(&s, &args(None, None), true, &l))
        .await
        .unwrap()
        .expect("createsuperuser");
    let (s, l) = (settings.clone(), lookup.clone());
    tokio::task::spawn_blocking(move || {
        create_user(&s, &args(Some("kyoko"), Some("k@example.com")), false, &l)
    })
    .await
    .unwrap()
    .expect("createuser");
    let none = |_: &str| None;
    let s = settings.clone();
    let unusable = tokio::task::spawn_blocking(move || {
        create_user(
            &s,
            &args(Some("nopass"), Some("n@example.com")),
            false,
            &none,
        )
    })
    .await
    .unwrap();
    assert_eq!(unusable, Ok(()));
    let s = settings.clone();
    let taken = tokio::task::spawn_blocking(move || {
        create_user(&s, &args(Some("admin"), Some("a@example.com")), true, &none)
    })
    .await
    .unwrap();
    assert_eq!(
        taken,
        Err("Error: That username is already taken.".to_owned())
    );
    let s = settings.clone();
    let no_email =
        tokio::task::spawn_blocking(move || create_user(&s, &args(Some("x"), None), true, &none))
            .await
            .unwrap();
    assert_eq!(
        no_email,
        Err("CommandError: You must use --email with --noinput.".to_owned())
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
