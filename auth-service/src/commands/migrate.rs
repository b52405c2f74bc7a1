use shared::Settings;

use crate::db::{DatabaseTarget, migrations};

pub fn migrate(settings: &Settings) -> Result<(), String> {
    let target = DatabaseTarget::from_url(settings.database_url.as_ref().map(|s| s.expose()))?;
    let mut conn = target.connect().map_err(|e| format!("DATABASE_URL: {e}"))?;
    let applied = migrations::run(&mut conn)?;
    if applied.is_empty() {
        println!("No migrations to apply.");
    }
    for name in applied {
        println!("  Applying {name}... OK");
    }
    Ok(())
}
