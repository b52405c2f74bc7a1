use crate::settings::AuthSettings;

use crate::db::{DatabaseTarget, DbWait, connect_waiting, migrations};

pub fn migrate(settings: &AuthSettings) -> Result<(), String> {
    let target = DatabaseTarget::from_settings(&settings.database)?;
    // The wait's log lines go to stderr in the configured format (JSON in compose).
    shared::telemetry::init(settings.log.format, &settings.log.level);
    let wait = DbWait::from_settings(&settings.database);
    let mut conn = connect_waiting(&target, &wait).map_err(|e| format!("DATABASE_URL: {e}"))?;
    let applied = migrations::run(&mut conn)?;
    if applied.is_empty() {
        println!("No migrations to apply.");
    }
    for name in applied {
        println!("  Applying {name}... OK");
    }
    Ok(())
}
