//! Embedded migrations, one set per engine (their SQL differs), tracked by diesel
//! in `__diesel_schema_migrations` beside Django's own `django_migrations`.

use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::DbConnection;

const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

type Result<T> = std::result::Result<T, String>;

/// Apply what is pending; returns the names applied.
pub fn run(conn: &mut DbConnection) -> Result<Vec<String>> {
    let applied = match conn {
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES),
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE),
    }
    .map_err(|e| format!("migration failed: {e}"))?;
    Ok(applied.iter().map(ToString::to_string).collect())
}

/// Names of migrations not yet applied.
pub fn pending(conn: &mut DbConnection) -> Result<Vec<String>> {
    let names = match conn {
        DbConnection::Postgres(c) => c
            .pending_migrations(POSTGRES)
            .map(|p| p.iter().map(|m| m.name().to_string()).collect()),
        DbConnection::Sqlite(c) => c
            .pending_migrations(SQLITE)
            .map(|p| p.iter().map(|m| m.name().to_string()).collect()),
    };
    names.map_err(|e| format!("cannot read migration state: {e}"))
}

/// `Err` naming what is pending when the database is behind this build.
pub fn require_current(conn: &mut DbConnection) -> Result<()> {
    let pending = pending(conn)?;
    if pending.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{} unapplied migration(s) ({}): run `auth-service migrate`",
        pending.len(),
        pending.join(", ")
    ))
}
