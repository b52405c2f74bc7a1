use crate::settings::AuthSettings;

use crate::db::migrations;
use crate::state::AppState;

/// Django's `check`, for deployments: settings, keys, database, migrations.
pub fn check(settings: &AuthSettings) -> Result<(), String> {
    let (_, _, _, target) = AppState::checked_parts(settings).map_err(|e| e.0)?;
    let mut conn = target.connect().map_err(|e| format!("DATABASE_URL: {e}"))?;
    migrations::require_current(&mut conn).map_err(|e| format!("DATABASE_URL: {e}"))?;
    for warning in &settings.warnings {
        eprintln!("WARNING: {warning}");
    }
    println!("System check identified no issues (0 silenced).");
    Ok(())
}
