use shared::Settings;

use crate::db::migrations;
use crate::state::AppState;

/// Django's `check`, for deployments: settings, keys, database, migrations.
pub fn check(settings: &Settings) -> Result<(), String> {
    let (_, _, _, target) = AppState::checked_parts(settings).map_err(|e| e.0)?;
    let mut conn = target.connect().map_err(|e| format!("DATABASE_URL: {e}"))?;
    let pending = migrations::pending(&mut conn)?;
    if !pending.is_empty() {
        return Err(format!(
            "DATABASE_URL: {} unapplied migration(s) ({}): run `auth-service migrate`",
            pending.len(),
            pending.join(", ")
        ));
    }
    for warning in &settings.warnings {
        eprintln!("WARNING: {warning}");
    }
    println!("System check identified no issues (0 silenced).");
    Ok(())
}
