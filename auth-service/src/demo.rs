//! What the demo stack (`cargo run -p tokenpair`) needs of the auth service's
//! database, in one place: where its signing key goes, and a migrated database
//! with the tutorial's user.

use std::path::PathBuf;

use crate::db::users::{self, NewUser};
use crate::db::{DatabaseTarget, Engine, migrations};
use crate::hashers;
use crate::settings::AuthSettings;
use crate::state::hasher_config;

/// The tutorial's user, so the tutorial's curl session works as written.
pub const USERNAME: &str = "kyoko";
pub const PASSWORD: &str = "contrasenasegura";

/// What happened to the demo user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoUser {
    Created,
    Existing,
    /// The database has other users and no demo user: we add none.
    NotCreated,
}

/// What [`prepare`] did, for the stack's banner.
#[derive(Debug, Clone)]
pub struct DemoReport {
    pub user: DemoUser,
    /// The database, as the banner shows it (a URL without its password, or the SQLite file).
    pub database: String,
}

/// Where the stack keeps a generated signing key for `database_url` (the
/// environment's `DATABASE_URL`): beside the SQLite file; in the working
/// directory for PostgreSQL.
pub fn key_path(database_url: Option<&str>) -> Result<PathBuf, String> {
    let target = DatabaseTarget::from_url(database_url)?;
    Ok(match target.engine {
        Engine::Sqlite => PathBuf::from(format!("{}.secret-key", target.connect)),
        Engine::Postgres => PathBuf::from("tokenpair.secret-key"),
    })
}

/// Migrate the database `database_url` names, and add the demo user to an empty
/// user table (hashed with the settings' hasher).
pub async fn prepare(
    database_url: Option<&str>,
    settings: &AuthSettings,
) -> Result<DemoReport, String> {
    let target = DatabaseTarget::from_url(database_url)?;
    let database = settings
        .database
        .url_redacted()
        .unwrap_or_else(|| target.connect.clone());
    let hasher = hasher_config(settings);
    let user = tokio::task::spawn_blocking(move || -> Result<DemoUser, String> {
        let mut conn = target.connect().map_err(|e| format!("DATABASE_URL: {e}"))?;
        migrations::run(&mut conn)?;
        if users::by_username(&mut conn, USERNAME)
            .map_err(|e| e.to_string())?
            .is_some()
        {
            return Ok(DemoUser::Existing);
        }
        if users::count(&mut conn).map_err(|e| e.to_string())? > 0 {
            return Ok(DemoUser::NotCreated);
        }
        let user = NewUser {
            password: hashers::make_password(PASSWORD, &hasher),
            last_login: None,
            is_superuser: false,
            username: USERNAME.into(),
            first_name: String::new(),
            last_name: String::new(),
            email: format!("{USERNAME}@example.com"),
            is_staff: false,
            is_active: true,
            date_joined: chrono::Utc::now().naive_utc(),
        };
        users::insert(&mut conn, &user).map_err(|e| e.to_string())?;
        Ok(DemoUser::Created)
    })
    .await
    .map_err(|e| format!("database preparation failed: {e}"))??;
    Ok(DemoReport { user, database })
}
